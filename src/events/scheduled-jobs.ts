import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { CronJob } from 'cron';
import type { DataSource } from 'typeorm';
import { JOB_SCHEMA, JobEngine } from './job-engine';

/** A job run on a schedule by the job engine (the dispute deadline job, refund settling, reconciliation). */
export interface ScheduledJobSpec {
  /** Its key in payment_scheduled_tick and its name in @nestjs/schedule's registry. */
  name: string;
  /** The job engine's task that runs it. */
  task: string;
  /** A cron expression (5 or 6 fields, UTC), or null when the job is off. */
  cron: string | null;
  /** Attempts the engine makes at one tick's run. */
  maxAttempts: number;
  /** One run; it must be safe to run any time and from several instances. */
  run: () => Promise<unknown>;
}

export interface ScheduledJob {
  /** Enqueues the run of one tick, once across every instance; true when this call enqueued it. */
  enqueueTick(tick?: Date): Promise<boolean>;
}

interface Entry {
  spec: ScheduledJobSpec;
  cronJob?: CronJob;
  running?: Promise<unknown>;
}

/**
 * Schedules on the job engine (DESIGN §7): each instance's cron tick inserts the
 * tick into payment_scheduled_tick, and the instance whose insert wins enqueues
 * one job in the same statement. So one run per tick across any number of
 * instances, and a run enqueued before a crash or restart still runs (the
 * engine retries it). @nestjs/schedule stays the trigger, so 6-field crons work.
 */
@Injectable()
export class ScheduledJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ScheduledJobs.name);
  private readonly entries: Entry[] = [];

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    private readonly engine: JobEngine,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  /** Call from a job's onModuleInit: the task is registered before the engine starts. */
  register(spec: ScheduledJobSpec): ScheduledJob {
    const entry: Entry = { spec };
    this.entries.push(entry);
    this.engine.registerTask(spec.task, async () => {
      const run = spec.run();
      entry.running = run.catch(() => undefined);
      await run;
    });
    return { enqueueTick: (tick) => this.enqueueTick(entry, tick) };
  }

  onApplicationBootstrap(): void {
    for (const entry of this.entries) {
      if (entry.spec.cron === null) continue;
      entry.cronJob = CronJob.from({
        cronTime: entry.spec.cron,
        onTick: async () => {
          await this.enqueueTick(entry);
        },
        start: true,
        waitForCompletion: true,
        timeZone: 'UTC',
      });
      this.scheduler.addCronJob(entry.spec.name, entry.cronJob);
    }
  }

  /** Stops the schedules and lets runs in progress finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const entry of this.entries) void entry.cronJob?.stop();
    await Promise.all(this.entries.map((entry) => entry.running ?? Promise.resolve()));
  }

  private async enqueueTick(entry: Entry, tick: Date = currentTick(entry)): Promise<boolean> {
    const { name, task, maxAttempts } = entry.spec;
    try {
      const rows = await this.dataSource.query<{ id: string }[]>(
        `WITH tick AS (
           INSERT INTO payment_scheduled_tick (job, tick) VALUES ($1, $2)
           ON CONFLICT DO NOTHING RETURNING tick
         ), pruned AS (
           DELETE FROM payment_scheduled_tick WHERE job = $1 AND tick < $2::timestamptz - interval '7 days'
         )
         SELECT (${JOB_SCHEMA}.add_job($3, json_build_object('tick', tick), max_attempts := $4)).id
           FROM tick`,
        [name, tick, task, maxAttempts],
      );
      return rows.length > 0;
    } catch (error) {
      this.logger.error({
        msg: `could not enqueue the ${name} job`,
        error: (error as Error)?.message ?? String(error),
      });
      return false;
    }
  }
}

/** The tick being fired, in whole seconds (instances' clocks fire within ms of each other). */
function currentTick(entry: Entry): Date {
  const fired = entry.cronJob?.lastDate() ?? new Date();
  return new Date(Math.round(fired.getTime() / 1000) * 1000);
}
