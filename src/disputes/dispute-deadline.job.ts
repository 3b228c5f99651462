import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { type ScheduledJob, ScheduledJobs } from '../events/scheduled-jobs';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource, In, type EntityManager, type QueryRunner } from 'typeorm';
import { withSessionAdvisoryLock } from '../database/advisory-lock';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PaymentEvents } from '../events/payment-events';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import { AWAITING_RESPONSE_PROVIDER_STATUSES } from './dispute-status';
import { toDisputeResource, type DisputeResource } from './dispute.resource';
import { DisputeDeadlineApproachingEvent, DisputeDeadlinePassedEvent } from './disputes.events';
import { DisputeEntity } from './entities/dispute.entity';
import { EventOutbox, type RecordedEvents } from '../events/event-outbox';
import type { DomainEvent } from '../events/payment-event-map';
import { MetricsService } from '../metrics/metrics.service';

export const DISPUTE_DEADLINE_JOB_NAME = 'dispute-deadline';
/** The job engine's task that runs one pass. */
export const DISPUTE_DEADLINE_TASK = 'payment_dispute_deadline';
const LOCK_KEY = 'payment:dispute-deadline-job';
const DEFAULT_BATCH_SIZE = 100;

export interface DeadlineRunOptions {
  /** The time to judge deadlines against (default: now). */
  now?: Date;
  /** Rows per transaction (default 100). */
  batchSize?: number;
}

export interface DeadlineRunSummary {
  /** true when another instance was running the job: this run did nothing. */
  skipped: boolean;
  /** Disputes whose deadline passed without a response, flagged by this run. */
  flagged: DisputeResource[];
  /** Disputes whose deadline approaches, announced by this run. */
  warned: DisputeResource[];
}

// Matches the partial index ix_payment_dispute_awaiting_response.
const AWAITING = `evidence_due_by IS NOT NULL AND deadline_flagged_at IS NULL
  AND provider_status IN (${AWAITING_RESPONSE_PROVIDER_STATUSES.map((s) => `'${s}'`).join(', ')})`;

const FLAG_BATCH = `UPDATE payment_dispute SET deadline_flagged_at = $1, updated_at = now()
  WHERE id IN (
    SELECT id FROM payment_dispute WHERE ${AWAITING} AND evidence_due_by < $1
    ORDER BY evidence_due_by, id LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING id`;

const WARN_BATCH = `UPDATE payment_dispute SET deadline_warned_at = $1, updated_at = now()
  WHERE id IN (
    SELECT id FROM payment_dispute WHERE ${AWAITING} AND deadline_warned_at IS NULL
      AND evidence_due_by >= $1 AND evidence_due_by < $3
    ORDER BY evidence_due_by, id LIMIT $2 FOR UPDATE SKIP LOCKED)
  RETURNING id`;

/** The job's two statements ($1 now, $2 batch size, $3 end of the warning window), for EXPLAIN in bench/lists.ts. */
export const DEADLINE_JOB_SQL = { flag: FLAG_BATCH, warn: WARN_BATCH } as const;

/**
 * The evidence-deadline job (DESIGN §6.4), scheduled from DISPUTE_DEADLINE_CRON
 * and runnable by hand (`payments disputes check-deadlines`).
 *
 * One instance at a time: a session-level advisory lock held on one dedicated
 * connection for the whole run (a transaction-level lock would end with the
 * first batch, letting a second instance start mid-run). Work goes in short
 * transactions of `batchSize` rows each on that connection, so a backlog never
 * holds one long transaction; `SKIP LOCKED` passes over a dispute a webhook is
 * updating right now (the next run sees it). Each batch marks its rows and
 * writes their events to the outbox in one transaction: a dispute is flagged
 * and announced together, once.
 *
 * The schedule: each instance's cron tick inserts the tick into
 * payment_scheduled_tick; the one instance whose insert wins enqueues one job
 * on the job engine in the same statement. So one run per tick across any
 * number of instances, and a run enqueued before a crash or restart still runs
 * (the engine retries it).
 */
@Injectable()
export class DisputeDeadlineJob implements OnModuleInit {
  private readonly logger = new Logger(DisputeDeadlineJob.name);
  private schedule?: ScheduledJob;

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduledJobs: ScheduledJobs,
    private readonly outbox: EventOutbox,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.schedule = this.scheduledJobs.register({
      name: DISPUTE_DEADLINE_JOB_NAME,
      task: DISPUTE_DEADLINE_TASK,
      cron: this.config.disputeDeadlineCron,
      maxAttempts: 5,
      run: () => this.run(),
    });
  }

  /** One job per tick, whichever instance gets there first; true when this call enqueued it. */
  enqueueTick(tick?: Date): Promise<boolean> {
    return this.schedule!.enqueueTick(tick);
  }

  /** One pass; safe to run any time and from several instances at once. Counted in payments_job_runs_total. */
  run(options: DeadlineRunOptions = {}): Promise<DeadlineRunSummary> {
    return this.metrics.timeJob(
      DISPUTE_DEADLINE_JOB_NAME,
      () => this.runOnce(options),
      (summary) => (summary.skipped ? 'skipped' : 'succeeded'),
    );
  }

  private async runOnce(options: DeadlineRunOptions): Promise<DeadlineRunSummary> {
    const now = options.now ?? new Date();
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const run = await withSessionAdvisoryLock(
      this.dataSource,
      LOCK_KEY,
      async (runner) => {
        const flagged = await this.inBatches(
          runner,
          FLAG_BATCH,
          [now, batchSize],
          (rows) => this.announcePassed(rows),
          (manager, rows) => this.events(manager, rows, now, PaymentEvents.DISPUTE_DEADLINE_PASSED),
        );
        const warnUntil = new Date(
          now.getTime() + this.config.disputeDeadlineWarningHours * 3600_000,
        );
        const warned =
          warnUntil > now
            ? await this.inBatches(
                runner,
                WARN_BATCH,
                [now, batchSize, warnUntil],
                (rows) => this.announceApproaching(rows),
                (manager, rows) =>
                  this.events(manager, rows, now, PaymentEvents.DISPUTE_DEADLINE_APPROACHING),
              )
            : [];
        return { skipped: false, flagged, warned };
      },
      // If this fails the connection is broken, and its session (with the lock) ends with it.
      (error) =>
        this.logger.error({
          msg: 'could not release the dispute deadline job lock',
          error: (error as Error)?.message ?? String(error),
        }),
    );
    if (run.locked) return run.value;
    this.logger.log({ msg: 'dispute deadline job already running on another instance; skipped' });
    return { skipped: true, flagged: [], warned: [] };
  }

  /**
   * Runs `sql` one committed batch at a time until it touches no row; each batch's
   * events are written to the outbox in its transaction, and logged after its commit.
   */
  private async inBatches(
    runner: QueryRunner,
    sql: string,
    parameters: unknown[],
    announce: (rows: DisputeEntity[]) => void,
    events: (manager: EntityManager, rows: DisputeEntity[]) => Promise<DomainEvent[]>,
  ): Promise<DisputeResource[]> {
    const done: DisputeResource[] = [];
    for (;;) {
      await runner.startTransaction();
      let rows: DisputeEntity[];
      let recorded: RecordedEvents;
      try {
        const [updated] = (await runner.query(sql, parameters)) as [{ id: number }[], number];
        rows = updated.length
          ? await runner.manager.getRepository(DisputeEntity).find({
              where: { id: In(updated.map((row) => row.id)) },
              order: { evidenceDueBy: 'ASC', id: 'ASC' },
            })
          : [];
        recorded = await this.outbox.record(runner.manager, await events(runner.manager, rows));
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
      if (rows.length === 0) return done;
      announce(rows);
      this.outbox.publishCommitted(recorded);
      done.push(...rows.map(toDisputeResource));
    }
  }

  private announcePassed(rows: DisputeEntity[]): void {
    for (const row of rows) {
      this.logger.error({
        msg: `Dispute ${row.providerDisputeId} evidence deadline passed without response`,
        provider_dispute_id: row.providerDisputeId,
        dispute_id: row.id,
        evidence_due_by: row.evidenceDueBy?.toISOString(),
      });
    }
  }

  private announceApproaching(rows: DisputeEntity[]): void {
    for (const row of rows) {
      this.logger.warn({
        msg: `Dispute ${row.providerDisputeId} evidence is due by ${row.evidenceDueBy?.toISOString()}`,
        provider_dispute_id: row.providerDisputeId,
        dispute_id: row.id,
      });
    }
  }

  /** The batch's events, written with its flags (delivered durably, retried on their own). */
  private async events(
    manager: EntityManager,
    rows: DisputeEntity[],
    now: Date,
    name:
      | typeof PaymentEvents.DISPUTE_DEADLINE_PASSED
      | typeof PaymentEvents.DISPUTE_DEADLINE_APPROACHING,
  ): Promise<DomainEvent[]> {
    const transactionIds = rows
      .map((row) => row.transactionId)
      .filter((id): id is number => id !== null);
    const transactions = transactionIds.length
      ? await manager.getRepository(TransactionEntity).findBy({ id: In(transactionIds) })
      : [];
    const byId = new Map(transactions.map((t) => [t.id, t]));
    return rows.map((row) => {
      const transaction = row.transactionId === null ? undefined : byId.get(row.transactionId);
      const data = {
        providerEventId: null,
        occurredAt: now,
        raw: null,
        dispute: toDisputeResource(row),
        transaction: transaction ? toTransactionResource(transaction) : null,
      };
      return name === PaymentEvents.DISPUTE_DEADLINE_PASSED
        ? { name, payload: new DisputeDeadlinePassedEvent(data) }
        : { name, payload: new DisputeDeadlineApproachingEvent(data) };
    });
  }
}
