import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { JOB_SCHEMA, JobEngine } from '../events/job-engine';
import { RECONCILE_JOB_NAME, ReconcileService } from './reconcile.service';

/** The job engine's task that runs one reconciliation. */
export const RECONCILE_TASK = 'payment_reconcile';

/**
 * The schedule of reconciliation (RECONCILE_CRON, default hourly; `off`
 * disables), on the job engine like the dispute deadline job: each instance's
 * cron tick inserts the tick into payment_scheduled_tick, and the instance whose
 * insert wins enqueues one job in the same statement — one run per tick across
 * instances, and a job enqueued before a crash still runs. The run itself also
 * takes the reconciliation lock, so a scheduled run and `payments reconcile`
 * never overlap either.
 */
@Injectable()
export class ReconcileJob
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(ReconcileJob.name);
  private cronJob?: CronJob;
  private running?: Promise<unknown>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly engine: JobEngine,
    private readonly reconcile: ReconcileService,
  ) {}

  onModuleInit(): void {
    this.engine.registerTask(RECONCILE_TASK, async () => {
      const run = this.reconcile.run({ trigger: 'schedule' });
      this.running = run.catch(() => undefined);
      await run;
    });
  }

  onApplicationBootstrap(): void {
    const cronTime = this.config.reconcile.cron;
    if (cronTime === null) return; // RECONCILE_CRON=off
    this.cronJob = CronJob.from({
      cronTime,
      onTick: async () => {
        await this.enqueueTick();
      },
      start: true,
      waitForCompletion: true,
      timeZone: 'UTC',
    });
    this.scheduler.addCronJob(RECONCILE_JOB_NAME, this.cronJob);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.cronJob?.stop();
    await this.running;
  }

  /** One job per tick, whichever instance gets there first; true when this call enqueued it. */
  async enqueueTick(tick: Date = this.currentTick()): Promise<boolean> {
    try {
      const rows = await this.dataSource.query<{ id: string }[]>(
        `WITH tick AS (
           INSERT INTO payment_scheduled_tick (job, tick) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING tick
         ), pruned AS (
           DELETE FROM payment_scheduled_tick WHERE job = $1 AND tick < $2::timestamptz - interval '7 days'
         )
         SELECT (${JOB_SCHEMA}.add_job($3, json_build_object('tick', tick), max_attempts := 3)).id
           FROM tick`,
        [RECONCILE_JOB_NAME, tick, RECONCILE_TASK],
      );
      return rows.length > 0;
    } catch (error) {
      this.logger.error({
        msg: 'could not enqueue the reconciliation job',
        error: (error as Error)?.message ?? String(error),
      });
      return false;
    }
  }

  private currentTick(): Date {
    const fired = this.cronJob?.lastDate() ?? new Date();
    return new Date(Math.round(fired.getTime() / 1000) * 1000);
  }
}
