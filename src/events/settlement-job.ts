import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { withSessionAdvisoryLock } from '../database/advisory-lock';
import { MetricsService } from '../metrics/metrics.service';
import { type ScheduledJob, ScheduledJobs } from './scheduled-jobs';

/*
 * Kept from when the job settled refunds only: a tick or a job already queued under these names
 * (payment_scheduled_tick, the job engine's queue) still runs after an upgrade.
 */
export const SETTLEMENT_JOB_NAME = 'refund-settle';
/** The job engine's task that runs one pass. */
export const SETTLEMENT_TASK = 'payment_refund_settle';
const LOCK_KEY = 'payment:refund-settle-job';

/**
 * One feature's part of a settling pass: the provider calls of that feature whose outcome is
 * unknown (a timeout, a reset after sending, a 5xx), re-sent with their row's own idempotency
 * key or looked up at the provider until the row matches the provider.
 */
export interface Settler {
  /** Its key in the run's results ("refunds", "subscriptions", "checkout"). */
  readonly name: string;
  /** One pass over that feature's unsettled rows; `now` is the pass's clock (tests move it). */
  settle(now: Date): Promise<unknown>;
}

export interface SettlementRun {
  /** true when another instance was running the job: this run did nothing. */
  skipped: boolean;
  /** Each settler's summary, by its name. */
  results: Record<string, unknown>;
}

/**
 * The settling job (DESIGN §6.3, §9: "a provider call whose outcome is unknown → 202, settled by
 * the service"). Features register a Settler in onModuleInit; each pass runs them one after the
 * other. Scheduled from REFUND_SETTLE_CRON (default every minute) on ScheduledJobs (one run per
 * tick across instances), and a session advisory lock keeps one pass at a time. Runnable on
 * demand (`run()`), e.g. by tests and the CLI.
 */
@Injectable()
export class SettlementJob implements OnModuleInit {
  private readonly logger = new Logger(SettlementJob.name);
  private readonly settlers: Settler[] = [];
  private schedule?: ScheduledJob;

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduledJobs: ScheduledJobs,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.schedule = this.scheduledJobs.register({
      name: SETTLEMENT_JOB_NAME,
      task: SETTLEMENT_TASK,
      cron: this.config.refundSettleCron,
      maxAttempts: 3,
      run: () => this.run(),
    });
  }

  /** Call from a feature's onModuleInit. */
  register(settler: Settler): void {
    if (this.settlers.some((s) => s.name === settler.name))
      throw new Error(`A settler named "${settler.name}" is already registered`);
    this.settlers.push(settler);
  }

  /** One job per tick, whichever instance gets there first; true when this call enqueued it. */
  enqueueTick(tick?: Date): Promise<boolean> {
    return this.schedule!.enqueueTick(tick);
  }

  /** One pass; safe any time and from several instances. Counted in payments_job_runs_total. */
  run(options: { now?: Date } = {}): Promise<SettlementRun> {
    return this.metrics.timeJob(
      SETTLEMENT_JOB_NAME,
      () => this.runOnce(options.now ?? new Date()),
      (run) => (run.skipped ? 'skipped' : 'succeeded'),
    );
  }

  private async runOnce(now: Date): Promise<SettlementRun> {
    const run = await withSessionAdvisoryLock(this.dataSource, LOCK_KEY, async () => {
      const results: Record<string, unknown> = {};
      let failure: Error | null = null;
      for (const settler of this.settlers) {
        // One feature's failure (its rows stay for the next pass) does not starve the others.
        try {
          results[settler.name] = await settler.settle(now);
        } catch (error) {
          failure ??= error instanceof Error ? error : new Error(String(error));
          this.logger.error({
            msg: 'settling pass failed',
            settler: settler.name,
            error: (error as Error)?.message ?? String(error),
          });
        }
      }
      if (failure) throw failure;
      return results;
    });
    return run.locked ? { skipped: false, results: run.value } : { skipped: true, results: {} };
  }
}
