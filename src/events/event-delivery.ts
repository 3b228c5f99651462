import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { JobHelpers } from 'graphile-worker';
import type { PoolClient } from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { DELIVER_TASK, deliverJobKey, type DeliverJobPayload } from './event-outbox';
import { JOB_SCHEMA, JobEngine } from './job-engine';
import { PaymentListenerRegistry } from './payment-listener.registry';

/** Namespace of the advisory locks that let one drain at a time work on a listener + aggregate. */
const DRAIN_LOCK = 7_310_002;
/** Deliveries per job before it yields to other work (it re-enqueues itself). */
const MAX_PER_RUN = 50;
const MAX_ERROR_LENGTH = 2000;
const MAX_BACKOFF_MS = 3_600_000;

interface NextDelivery {
  id: string;
  /** After the claim (counted before the call); null when not due. */
  attempts: number;
  due: boolean;
  next_attempt_at: Date | null;
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
 * Delivers one durable listener's events of one aggregate, in commit order
 * (outbox id), one at a time. A job per (listener, aggregate) drains every
 * undelivered delivery; a session advisory lock keeps two drains of the same
 * pair apart (graphile-worker starts a new job when one is added while its
 * namesake runs). A throw is recorded on the delivery, which waits its backoff
 * (the job re-enqueues itself for then) and blocks the later events of that
 * aggregate for that listener only; after EVENT_MAX_ATTEMPTS it is parked
 * `dead` and the next event goes on. The attempt is counted before the call,
 * so a delivery that kills the process also ends `dead` in the end.
 */
@Injectable()
export class EventDelivery implements OnModuleInit {
  private readonly logger = new Logger(EventDelivery.name);

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

  async drain({ listener, aggregate }: DeliverJobPayload, helpers: JobHelpers): Promise<void> {
    const target = this.listeners.get(listener);
    // Another version of the app may know it (a rolling deploy): the engine retries the job.
    if (!target) throw new Error(`no @OnPaymentEvent listener named "${listener}" in this process`);
    const client = await this.engine.pgPool.connect();
    const lockKey = `${listener}|${aggregate}`;
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked',
        [DRAIN_LOCK, lockKey],
      );
      if (!rows[0].locked) {
        // Another drain is on it; look again shortly in case it finished before seeing our event.
        await this.reschedule(client, listener, aggregate, 200);
        return;
      }
      try {
        await this.drainLocked(client, listener, aggregate, target.handle, helpers);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [DRAIN_LOCK, lockKey]);
      }
    } finally {
      client.release();
    }
  }

  private async drainLocked(
    client: PoolClient,
    listener: string,
    aggregate: string,
    handle: (payload: unknown) => Promise<unknown>,
    helpers: JobHelpers,
  ): Promise<void> {
    const { maxAttempts, retryBaseMs } = this.config.events;
    // The delivery just made, marked delivered in the same round trip that claims the next one.
    let deliveredId = '0';
    for (let count = 0; ; count++) {
      if (count === MAX_PER_RUN) {
        // Yield to other work: mark the last one, and a new job goes on with the rest.
        await client.query(
          `UPDATE payment_event_delivery
              SET status = 'delivered', delivered_at = now(), next_attempt_at = NULL, updated_at = now()
            WHERE id = $1`,
          [deliveredId],
        );
        helpers.logger.debug(`yielding after ${MAX_PER_RUN} deliveries`);
        await this.reschedule(client, listener, aggregate, 0);
        return;
      }
      const { rows } = await client.query<NextDelivery>(
        `WITH next AS (
           SELECT d.id, d.event_id, d.next_attempt_at,
                  (d.next_attempt_at IS NULL OR d.next_attempt_at <= now()) AS due
             FROM payment_event_delivery d
            WHERE d.listener = $1 AND d.aggregate_key = $2 AND d.status IN ('pending', 'failed')
              AND d.id <> $3::bigint
            ORDER BY d.event_id LIMIT 1
         ), done AS (
           UPDATE payment_event_delivery
              SET status = 'delivered', delivered_at = now(), next_attempt_at = NULL, updated_at = now()
            WHERE id = $3::bigint RETURNING id
         ), claimed AS (
           UPDATE payment_event_delivery d SET attempts = d.attempts + 1, updated_at = now()
             FROM next WHERE d.id = next.id AND next.due
           RETURNING d.id, d.attempts
         )
         SELECT next.id, next.due, next.next_attempt_at, claimed.attempts, e.name, e.payload,
                (SELECT count(*) FROM done)::int AS done
           FROM next JOIN payment_outbox e ON e.id = next.event_id
           LEFT JOIN claimed ON claimed.id = next.id`,
        [listener, aggregate, deliveredId],
      );
      deliveredId = '0';
      const next = rows[0];
      if (!next) return;
      if (!next.due) {
        const wait = Math.max(0, next.next_attempt_at!.getTime() - Date.now());
        await this.reschedule(client, listener, aggregate, wait);
        return;
      }
      const attempts = next.attempts;
      try {
        await handle(revivePayload(next.payload));
      } catch (error) {
        const message = (
          error instanceof Error ? `${error.name}: ${error.message}` : String(error)
        ).slice(0, MAX_ERROR_LENGTH);
        const dead = attempts >= maxAttempts;
        const delay = retryDelayMs(retryBaseMs, attempts);
        await client.query(
          `UPDATE payment_event_delivery
              SET status = $2::text, last_error = $3, updated_at = now(),
                  next_attempt_at = CASE WHEN $2::text = 'dead' THEN NULL
                                         ELSE now() + make_interval(secs => $4::float8 / 1000) END
            WHERE id = $1`,
          [next.id, dead ? 'dead' : 'failed', message, delay],
        );
        const log = {
          msg: dead
            ? `payment event listener ${listener} failed ${attempts} times: delivery parked dead`
            : `payment event listener ${listener} failed; retried in ${delay} ms`,
          delivery_id: next.id,
          event: next.name,
          attempts,
          error: message,
        };
        if (dead) {
          this.logger.error(log);
          continue;
        }
        this.logger.warn(log);
        await this.reschedule(client, listener, aggregate, delay);
        return;
      }
      deliveredId = next.id;
    }
  }

  /** A job for the pair at now + delayMs (this job is locked, so the engine adds a new one). */
  private async reschedule(
    client: PoolClient,
    listener: string,
    aggregate: string,
    delayMs: number,
  ): Promise<void> {
    await client.query(
      `SELECT ${JOB_SCHEMA}.add_job($1, json_build_object('listener', $2::text, 'aggregate', $3::text),
                run_at := now() + make_interval(secs => $5::float8 / 1000), job_key := $4)`,
      [DELIVER_TASK, listener, aggregate, deliverJobKey(listener, aggregate), delayMs],
    );
  }
}
