import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { DataSource, In, type QueryRunner } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PaymentEvents } from '../events/payment-events';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import { AWAITING_RESPONSE_PROVIDER_STATUSES } from './dispute-status';
import { toDisputeResource, type DisputeResource } from './dispute.resource';
import { DisputeDeadlineApproachingEvent, DisputeDeadlinePassedEvent } from './disputes.events';
import { DisputeEntity } from './entities/dispute.entity';
import { DomainEventPublisher } from '../events/domain-event.publisher';

export const DISPUTE_DEADLINE_JOB_NAME = 'dispute-deadline';
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
 * updating right now (the next run sees it). Each batch marks its rows before
 * anything is announced, so a re-run never announces a dispute twice; the
 * events follow the batch's commit.
 */
@Injectable()
export class DisputeDeadlineJob implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DisputeDeadlineJob.name);
  private cronJob?: CronJob;
  private running?: Promise<unknown>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly scheduler: SchedulerRegistry,
    private readonly publisher: DomainEventPublisher,
  ) {}

  onApplicationBootstrap(): void {
    const cronTime = this.config.disputeDeadlineCron;
    if (cronTime === null) return; // DISPUTE_DEADLINE_CRON=off
    this.cronJob = CronJob.from({
      cronTime,
      onTick: () => this.runScheduled(),
      start: true,
      waitForCompletion: true,
      timeZone: 'UTC',
    });
    this.scheduler.addCronJob(DISPUTE_DEADLINE_JOB_NAME, this.cronJob);
  }

  /** Stops the schedule and lets a run in progress finish before the database closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.cronJob?.stop();
    await this.running;
  }

  private async runScheduled(): Promise<void> {
    const run = this.run().catch((error: unknown) => {
      this.logger.error(
        { msg: 'dispute deadline job failed', error: (error as Error)?.message ?? String(error) },
        (error as Error)?.stack,
      );
    });
    this.running = run;
    await run;
  }

  /** One pass; safe to run any time and from several instances at once. */
  async run(options: DeadlineRunOptions = {}): Promise<DeadlineRunSummary> {
    const now = options.now ?? new Date();
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [LOCK_KEY],
      )) as { locked: boolean }[];
      if (!locked) {
        this.logger.log({
          msg: 'dispute deadline job already running on another instance; skipped',
        });
        return { skipped: true, flagged: [], warned: [] };
      }
      try {
        const flagged = await this.inBatches(runner, FLAG_BATCH, [now, batchSize], (rows) =>
          this.announcePassed(rows, now),
        );
        const warnUntil = new Date(
          now.getTime() + this.config.disputeDeadlineWarningHours * 3600_000,
        );
        const warned =
          warnUntil > now
            ? await this.inBatches(runner, WARN_BATCH, [now, batchSize, warnUntil], (rows) =>
                this.announceApproaching(rows, now),
              )
            : [];
        return { skipped: false, flagged, warned };
      } finally {
        // If this fails the connection is broken, and its session (with the lock) ends with it.
        await runner
          .query('SELECT pg_advisory_unlock(hashtext($1))', [LOCK_KEY])
          .catch((error: unknown) => {
            this.logger.error({
              msg: 'could not release the dispute deadline job lock',
              error: (error as Error)?.message ?? String(error),
            });
          });
      }
    } finally {
      await runner.release();
    }
  }

  /** Runs `sql` one committed batch at a time until it touches no row; announces each batch after its commit. */
  private async inBatches(
    runner: QueryRunner,
    sql: string,
    parameters: unknown[],
    announce: (rows: DisputeEntity[]) => Promise<void>,
  ): Promise<DisputeResource[]> {
    const done: DisputeResource[] = [];
    for (;;) {
      await runner.startTransaction();
      let ids: number[];
      try {
        const [rows] = (await runner.query(sql, parameters)) as [{ id: number }[], number];
        ids = rows.map((row) => row.id);
        await runner.commitTransaction();
      } catch (error) {
        await runner.rollbackTransaction();
        throw error;
      }
      if (ids.length === 0) return done;
      const rows = await this.dataSource
        .getRepository(DisputeEntity)
        .find({ where: { id: In(ids) }, order: { evidenceDueBy: 'ASC', id: 'ASC' } });
      await announce(rows);
      done.push(...rows.map(toDisputeResource));
    }
  }

  private async announcePassed(rows: DisputeEntity[], now: Date): Promise<void> {
    for (const row of rows) {
      this.logger.error({
        msg: `Dispute ${row.providerDisputeId} evidence deadline passed without response`,
        provider_dispute_id: row.providerDisputeId,
        dispute_id: row.id,
        evidence_due_by: row.evidenceDueBy?.toISOString(),
      });
    }
    await this.announce(
      rows,
      now,
      PaymentEvents.DISPUTE_DEADLINE_PASSED,
      DisputeDeadlinePassedEvent,
    );
  }

  private async announceApproaching(rows: DisputeEntity[], now: Date): Promise<void> {
    for (const row of rows) {
      this.logger.warn({
        msg: `Dispute ${row.providerDisputeId} evidence is due by ${row.evidenceDueBy?.toISOString()}`,
        provider_dispute_id: row.providerDisputeId,
        dispute_id: row.id,
      });
    }
    await this.announce(
      rows,
      now,
      PaymentEvents.DISPUTE_DEADLINE_APPROACHING,
      DisputeDeadlineApproachingEvent,
    );
  }

  /**
   * The rows are already marked and committed: a listener that throws is logged
   * and the others still run (the job's events are not retried, unlike a webhook's).
   */
  private async announce(
    rows: DisputeEntity[],
    now: Date,
    name: string,
    type: typeof DisputeDeadlinePassedEvent | typeof DisputeDeadlineApproachingEvent,
  ): Promise<void> {
    const transactionIds = rows
      .map((row) => row.transactionId)
      .filter((id): id is number => id !== null);
    const transactions = transactionIds.length
      ? await this.dataSource.getRepository(TransactionEntity).findBy({ id: In(transactionIds) })
      : [];
    const byId = new Map(transactions.map((t) => [t.id, t]));
    for (const row of rows) {
      const transaction = row.transactionId === null ? undefined : byId.get(row.transactionId);
      const payload = new type({
        providerEventId: null,
        occurredAt: now,
        raw: null,
        dispute: toDisputeResource(row),
        transaction: transaction ? toTransactionResource(transaction) : null,
      });
      try {
        await this.publisher.publish([{ name, payload }]);
      } catch (error) {
        this.logger.error({
          msg: `a ${name} listener failed`,
          provider_dispute_id: row.providerDisputeId,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }
  }
}
