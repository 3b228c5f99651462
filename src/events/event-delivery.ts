import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import type { JobHelpers } from 'graphile-worker';
import type { PoolClient } from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DELIVER_TASK, deliverJobKey, type DeliverJobPayload } from './event-outbox';
import { JOB_SCHEMA, JobEngine } from './job-engine';
import { PaymentListenerRegistry } from './payment-listener.registry';

/** Namespace of the advisory locks that let one drain at a time work on a shard. */
const DRAIN_LOCK = 7_310_002;
/** Deliveries per job before it yields to other work (it re-enqueues itself). */
const MAX_PER_RUN = 200;
/** Deliveries claimed per round trip (heads of distinct aggregates; called one after another). */
const BATCH_SIZE = 20;
const MAX_ERROR_LENGTH = 2000;
const MAX_BACKOFF_MS = 3_600_000;
const REQUEUE_EVERY_MS = 3000;

/**
 * Marks the deliveries $2 delivered and claims the next batch (at most $3) of shard $1 for the
 * listeners $4: for each (listener, aggregate), the oldest due delivery whose earlier events are
 * all delivered (or dead), in commit order. Each listener's shard is walked in its index order
 * (listener, shard, event_id) and stops at the batch size, and "nothing earlier undelivered" is
 * one probe of (listener, aggregate_key, event_id) per candidate: with `listener = ANY(…)` and a
 * NOT EXISTS the planner joined instead, the backlog was read on every batch (quadratic in a
 * burst; 126,000 rows for a batch of 20 over 3,000 events). The claimed rows are updated by
 * primary key (`= ANY(ARRAY(…))`): joined to `next`, stale statistics chose a scan of the table.
 * Within a listener the order is `event_id` alone (one delivery per event and listener), which the
 * index gives as it is: ordered by `event_id, id`, PostgreSQL 15 sorted the whole shard first.
 */
export const CLAIM_HEADS_SQL = `WITH next AS (
     SELECT heads.id, heads.event_id
       FROM unnest($4::text[]) AS l(name),
            LATERAL (
              SELECT d.id, d.event_id FROM payment_event_delivery d
               WHERE d.listener = l.name AND d.shard = $1 AND d.status IN ('pending', 'failed')
                 AND d.id <> ALL($2::bigint[])
                 AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= now())
                 AND d.event_id = (
                   SELECT min(p.event_id) FROM payment_event_delivery p
                    WHERE p.listener = d.listener AND p.aggregate_key = d.aggregate_key
                      AND p.status IN ('pending', 'failed') AND p.id <> ALL($2::bigint[]))
               ORDER BY d.event_id LIMIT $3) heads
      ORDER BY heads.event_id, heads.id LIMIT $3
   ), done AS (
     UPDATE payment_event_delivery
        SET status = 'delivered', delivered_at = now(), next_attempt_at = NULL, updated_at = now()
      WHERE id = ANY($2::bigint[]) RETURNING id
   ), claimed AS (
     UPDATE payment_event_delivery d SET attempts = d.attempts + 1, updated_at = now()
      WHERE d.id = ANY (ARRAY(SELECT id FROM next))
     RETURNING d.id, d.listener, d.attempts
   )
   SELECT claimed.id, claimed.listener, claimed.attempts, e.name, e.payload,
          (SELECT count(*) FROM done)::int AS done
     FROM claimed JOIN next ON next.id = claimed.id JOIN payment_outbox e ON e.id = next.event_id
    ORDER BY next.event_id, claimed.id`;

interface ClaimedDelivery {
  id: string;
  listener: string;
  /** Counted before the call. */
  attempts: number;
  name: string;
  payload: Record<string, unknown>;
}

/** EVENT_RETRY_BASE_MS doubled per failed attempt, capped at an hour. */
export function retryDelayMs(baseMs: number, attempts: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/** The payload as the listener sees it: plain data, `occurredAt` a Date again. */
export function revivePayload(payload: Record<string, unknown>): Record<string, unknown> {
  const occurredAt = payload.occurredAt;
  return typeof occurredAt === 'string'
    ? { ...payload, occurredAt: new Date(occurredAt) }
    : payload;
}

/**
 * Delivers the events of one shard of aggregates to every durable listener. The
 * next deliveries are the oldest (outbox id = commit order for an aggregate) that
 * are due and have nothing earlier of their (listener, aggregate) still
 * undelivered: so one listener gets one aggregate's events in commit order, while
 * a failing listener or aggregate (waiting its backoff) holds up nothing else. A
 * session advisory lock keeps two drains of one shard apart (graphile-worker starts
 * a new job when one is added while its namesake runs). A throw is recorded on
 * that delivery only (`failed`, retried after EVENT_RETRY_BASE_MS × 2^(attempts−1));
 * after EVENT_MAX_ATTEMPTS it is parked `dead` and the aggregate's next event goes
 * on. The attempt is counted before the call, so a delivery that kills the process
 * also ends `dead` in the end.
 */
@Injectable()
export class EventDelivery
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger(EventDelivery.name);
  private requeueTimer?: NodeJS.Timeout;
  private requeueing?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly engine: JobEngine,
    private readonly listeners: PaymentListenerRegistry,
  ) {}

  onModuleInit(): void {
    this.engine.registerTask(DELIVER_TASK, (payload, helpers) =>
      this.drain(payload as DeliverJobPayload, helpers),
    );
  }

  onApplicationBootstrap(): void {
    if (!this.config.events.worker) return;
    this.requeueTimer = setInterval(() => {
      this.requeueing ??= this.requeueStranded()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn({ msg: 'requeue sweep failed', error: (error as Error)?.message }),
        )
        .finally(() => (this.requeueing = undefined));
    }, REQUEUE_EVERY_MS);
    this.requeueTimer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.requeueTimer) clearInterval(this.requeueTimer);
    await this.requeueing;
  }

  private get names(): string[] {
    return this.listeners.all().map((listener) => listener.name);
  }

  /**
   * The safety net: a due delivery (to a listener of this process) that has waited a
   * while with no job for its shard gets one. graphile-worker's job keys leave a
   * narrow window in which a delivery committed while its shard's job is being picked
   * up is not seen by that job and gets no new one; this closes it (and any other
   * lost job) within a few seconds. Returns the shards requeued.
   */
  async requeueStranded(): Promise<number[]> {
    const { rows } = await this.engine.pgPool.query<{ shard: number }>(
      `SELECT DISTINCT d.shard FROM payment_event_delivery d
        WHERE d.status IN ('pending', 'failed') AND d.listener = ANY($1::text[])
          AND d.updated_at < now() - interval '2 seconds'
          AND (d.next_attempt_at IS NULL OR d.next_attempt_at < now() - interval '2 seconds')
          AND NOT EXISTS (
            SELECT 1 FROM ${JOB_SCHEMA}._private_jobs j WHERE j.key = 'payment-event:' || d.shard)`,
      [this.names],
    );
    for (const { shard } of rows) {
      await this.engine.pgPool.query(
        `SELECT ${JOB_SCHEMA}.add_job($1, json_build_object('shard', $2::int),
                  job_key := $3, job_key_mode := 'preserve_run_at')`,
        [DELIVER_TASK, shard, deliverJobKey(shard)],
      );
    }
    if (rows.length > 0)
      this.logger.warn({ msg: 'requeued deliveries that had no job', shards: rows });
    return rows.map((row) => row.shard);
  }

  async drain({ shard }: DeliverJobPayload, helpers: JobHelpers): Promise<void> {
    const client = await this.engine.pgPool.connect();
    const lockKey = `shard|${shard}`;
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [DRAIN_LOCK, lockKey],
      );
      if (!rows[0].locked) {
        // Another drain is on it; look again shortly in case it finished before seeing our event.
        await this.reschedule(client, shard, 200);
        return;
      }
      try {
        await this.drainLocked(client, shard, helpers);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [DRAIN_LOCK, lockKey]);
      }
    } finally {
      client.release();
    }
  }

  private async drainLocked(client: PoolClient, shard: number, helpers: JobHelpers): Promise<void> {
    const { maxAttempts, retryBaseMs } = this.config.events;
    const names = this.names;
    // The deliveries just made, marked delivered in the same round trip that claims the next batch.
    let delivered: string[] = [];
    for (let count = 0; ;) {
      if (count >= MAX_PER_RUN) {
        // Yield to other work: mark the last ones, and a new job goes on with the rest.
        await this.markDelivered(client, delivered);
        helpers.logger.debug(`yielding after ${count} deliveries`);
        await this.reschedule(client, shard, 0);
        return;
      }
      // A batch of heads: for each (listener, aggregate), the oldest due delivery whose earlier
      // events are all delivered (or dead), in commit order. Listeners of another process
      // (a rolling deploy) are left to it.
      const { rows } = await client.query<ClaimedDelivery>(CLAIM_HEADS_SQL, [
        shard,
        delivered,
        BATCH_SIZE,
        names,
      ]);
      delivered = [];
      if (rows.length === 0) {
        await this.scheduleNextRetry(client, shard, names);
        return;
      }
      for (const next of rows) {
        count++;
        const target = this.listeners.get(next.listener);
        try {
          if (!target) throw new Error(`no @OnPaymentEvent listener named "${next.listener}"`);
          await target.handle(revivePayload(next.payload));
          delivered.push(next.id);
        } catch (error) {
          await this.recordFailure(client, next, error, maxAttempts, retryBaseMs);
        }
      }
    }
  }

  private async markDelivered(client: PoolClient, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await client.query(
      `UPDATE payment_event_delivery
          SET status = 'delivered', delivered_at = now(), next_attempt_at = NULL, updated_at = now()
        WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  private async recordFailure(
    client: PoolClient,
    delivery: ClaimedDelivery,
    error: unknown,
    maxAttempts: number,
    retryBaseMs: number,
  ): Promise<void> {
    const message = (
      error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    ).slice(0, MAX_ERROR_LENGTH);
    const dead = delivery.attempts >= maxAttempts;
    const delay = retryDelayMs(retryBaseMs, delivery.attempts);
    await client.query(
      `UPDATE payment_event_delivery
          SET status = $2::text, last_error = $3, updated_at = now(),
              next_attempt_at = CASE WHEN $2::text = 'dead' THEN NULL
                                     ELSE now() + make_interval(secs => $4::float8 / 1000) END
        WHERE id = $1`,
      [delivery.id, dead ? 'dead' : 'failed', message, delay],
    );
    const log = {
      msg: dead
        ? `payment event listener ${delivery.listener} failed ${delivery.attempts} times: delivery parked dead`
        : `payment event listener ${delivery.listener} failed; retried in ${delay} ms`,
      delivery_id: delivery.id,
      event: delivery.name,
      attempts: delivery.attempts,
      error: message,
    };
    if (dead) this.logger.error(log);
    else this.logger.warn(log);
  }

  /** Nothing due now: a job for when the earliest retry of the shard is due, if any. */
  private async scheduleNextRetry(
    client: PoolClient,
    shard: number,
    names: string[],
  ): Promise<void> {
    const { rows } = await client.query<{ waiting: number; due_in_ms: number | null }>(
      `SELECT count(*)::int AS waiting,
              GREATEST(0, extract(epoch FROM min(next_attempt_at) - now()) * 1000)::float8 AS due_in_ms
         FROM payment_event_delivery
        WHERE shard = $1 AND status IN ('pending', 'failed') AND listener = ANY($2::text[])`,
      [shard, names],
    );
    if (rows[0].waiting === 0) return;
    await this.reschedule(client, shard, rows[0].due_in_ms ?? 1000);
  }

  /**
   * A job for the shard at now + delayMs (this job is locked, so the engine adds a new
   * one). A job added meanwhile by a new event is due now and keeps its time: it will
   * look again itself.
   */
  private async reschedule(client: PoolClient, shard: number, delayMs: number): Promise<void> {
    await client.query(
      `SELECT ${JOB_SCHEMA}.add_job($1, json_build_object('shard', $2::int),
                run_at := now() + make_interval(secs => $4::float8 / 1000), job_key := $3,
                job_key_mode := 'preserve_run_at')`,
      [DELIVER_TASK, shard, deliverJobKey(shard), delayMs],
    );
  }
}
