import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type ScheduledJob, ScheduledJobs } from '../events/scheduled-jobs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RefundReservations } from './refund-reservations';
import { RefundsService, type RetriedRefund } from './refunds.service';

export const REFUND_SETTLE_JOB_NAME = 'refund-settle';
/** The job engine's task that runs one pass. */
export const REFUND_SETTLE_TASK = 'payment_refund_settle';
const LOCK_KEY = 'payment:refund-settle-job';
/** A pending refund not marked "outcome unknown" is settled once untouched this long (its request died mid-call). */
export const STALE_PENDING_MS = 2 * 60_000;
const BATCH = 100;

export interface SettleRunSummary {
  /** true when another instance was running the job: this run did nothing. */
  skipped: boolean;
  /** Each refund this run sent again, with the error when it is still unsettled. */
  refunds: RetriedRefund[];
  /** Checkout rows written before a provider call that never answered, expired by this run. */
  expiredIntents: number;
}

/**
 * The refund settling job (DESIGN §6.3, §9). A refund whose provider call had
 * an unknown outcome (timeout, reset after sending, 5xx) was answered 202 and
 * kept `pending` with its amount reserved; this job re-sends it with the row's
 * own idempotency key — so the provider makes it at most once — until the
 * provider answers: `succeeded`/`pending` with its id, or `failed` on a refusal.
 *
 * Scheduled from REFUND_SETTLE_CRON (default every minute) the same way as the
 * dispute deadline job: each instance's tick inserts into
 * payment_scheduled_tick, the winner enqueues one job on the job engine, and a
 * session advisory lock keeps one run at a time across instances.
 */
@Injectable()
export class RefundSettlementJob implements OnModuleInit {
  private readonly logger = new Logger(RefundSettlementJob.name);
  private schedule?: ScheduledJob;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduledJobs: ScheduledJobs,
    private readonly metrics: MetricsService,
    private readonly reservations: RefundReservations,
    private readonly refunds: RefundsService,
  ) {}

  onModuleInit(): void {
    this.schedule = this.scheduledJobs.register({
      name: REFUND_SETTLE_JOB_NAME,
      task: REFUND_SETTLE_TASK,
      cron: this.config.refundSettleCron,
      maxAttempts: 3,
      run: () => this.run(),
    });
  }

  /** One job per tick, whichever instance gets there first; true when this call enqueued it. */
  enqueueTick(tick?: Date): Promise<boolean> {
    return this.schedule!.enqueueTick(tick);
  }

  /** One pass; safe any time and from several instances. Counted in payments_job_runs_total. */
  run(options: { now?: Date } = {}): Promise<SettleRunSummary> {
    return this.metrics.timeJob(
      REFUND_SETTLE_JOB_NAME,
      () => this.runOnce(options.now ?? new Date()),
      (summary) => (summary.skipped ? 'skipped' : 'succeeded'),
    );
  }

  /**
   * Intent first (DESIGN §6.2): a checkout row whose provider call never answered has no URL;
   * once past its expiry (longer than any provider session lives) it is expired, so it never
   * reads as open. A completion arriving later still finds it (by the id in the metadata).
   */
  private async expireAbandonedCheckoutIntents(now: Date): Promise<number> {
    const [, count] = await this.dataSource.query<[unknown, number]>(
      `UPDATE payment_checkout_session SET status = 'expired', updated_at = now()
        WHERE status = 'open' AND url IS NULL AND provider_session_id LIKE 'intent\\_%'
          AND expires_at < $1`,
      [now],
    );
    return count;
  }

  private async runOnce(now: Date): Promise<SettleRunSummary> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [LOCK_KEY],
      )) as { locked: boolean }[];
      if (!locked) return { skipped: true, refunds: [], expiredIntents: 0 };
      try {
        const rows = await this.reservations.toSettle(
          new Date(now.getTime() - STALE_PENDING_MS),
          BATCH,
        );
        const refunds = await this.refunds.settle(rows);
        for (const result of refunds) {
          if (result.error) {
            this.logger.warn({
              msg: 'refund still unsettled',
              refund_id: result.refund.id,
              error: result.error,
            });
          }
        }
        const expiredIntents = await this.expireAbandonedCheckoutIntents(now);
        return { skipped: false, refunds, expiredIntents };
      } finally {
        await runner
          .query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY])
          .catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
