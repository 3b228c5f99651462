import { Injectable } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource } from 'typeorm';
import { NotFoundError, ValidationError } from '../common/domain-error';
import { deliverJobKey, DELIVER_TASK } from './event-outbox';
import { JOB_SCHEMA } from './job-engine';

export const DELIVERY_STATUSES = ['pending', 'failed', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One (event, durable listener) delivery, as operators see it. */
export interface EventDeliveryRow {
  id: number;
  event_id: number;
  event: string;
  aggregate: string;
  listener: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  provider_event_id: string | null;
  created_at: Date;
  delivered_at: Date | null;
}

/** The backlog of durable deliveries (for /health/ready and metrics). */
export interface EventBacklog {
  /** Deliveries not yet made (pending, or failed and waiting to be retried). */
  undelivered: number;
  dead: number;
  /** Age in seconds of the oldest undelivered event; null when there is none. */
  oldest_undelivered_age_seconds: number | null;
}

/**
 * Operators' view of durable deliveries (`payments events`, `payments events
 * retry`), the backlog for health and metrics, and the wait used by tests.
 */
@Injectable()
export class EventsService {
  constructor(@InjectPaymentDataSource() private readonly dataSource: DataSource) {}

  async list(
    filter: { status?: DeliveryStatus; listener?: string; limit?: number } = {},
  ): Promise<EventDeliveryRow[]> {
    if (filter.status && !DELIVERY_STATUSES.includes(filter.status))
      throw new ValidationError(`status must be one of ${DELIVERY_STATUSES.join(', ')}`, {
        status: [`must be one of ${DELIVERY_STATUSES.join(', ')}`],
      });
    const rows = await this.dataSource.query<EventDeliveryRow[]>(
      `SELECT d.id::int AS id, d.event_id::int AS event_id, e.name AS event, d.aggregate_key AS aggregate,
              d.listener, d.status, d.attempts, d.last_error, d.next_attempt_at,
              e.provider_event_id, e.created_at, d.delivered_at
         FROM payment_event_delivery d JOIN payment_outbox e ON e.id = d.event_id
        WHERE ($1::text IS NULL OR d.status = $1) AND ($2::text IS NULL OR d.listener = $2)
        ORDER BY d.id DESC LIMIT $3`,
      [filter.status ?? null, filter.listener ?? null, filter.limit ?? 50],
    );
    return rows;
  }

  /**
   * Delivers again: one delivery by id (whatever its status), or every `dead`
   * one. Attempts start over. Returns the deliveries queued.
   */
  async retry(target: { id: number } | { dead: true }): Promise<number[]> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await manager.query<{ id: number; shard: number }[]>(
        'id' in target
          ? `UPDATE payment_event_delivery SET status = 'pending', attempts = 0, next_attempt_at = NULL,
                    delivered_at = NULL, updated_at = now() WHERE id = $1
             RETURNING id::int AS id, shard`
          : `UPDATE payment_event_delivery SET status = 'pending', attempts = 0, next_attempt_at = NULL,
                    updated_at = now() WHERE status = 'dead'
             RETURNING id::int AS id, shard`,
        'id' in target ? [target.id] : [],
      );
      // TypeORM answers an UPDATE with [rows, count].
      const updated = (rows as unknown as [typeof rows, number])[0];
      if ('id' in target && updated.length === 0)
        throw new NotFoundError('Event delivery', String(target.id));
      for (const shard of [...new Set(updated.map((row) => row.shard))].sort((a, b) => a - b)) {
        await manager.query(`SELECT ${JOB_SCHEMA}.add_job($1, $2::json, job_key := $3)`, [
          DELIVER_TASK,
          JSON.stringify({ shard }),
          deliverJobKey(shard),
        ]);
      }
      return updated.map((row) => row.id);
    });
  }

  async backlog(): Promise<EventBacklog> {
    const [row] = await this.dataSource.query<
      { undelivered: number; dead: number; oldest: number | null }[]
    >(
      `SELECT count(*) FILTER (WHERE d.status IN ('pending', 'failed'))::int AS undelivered,
              count(*) FILTER (WHERE d.status = 'dead')::int AS dead,
              extract(epoch FROM now() - min(e.created_at) FILTER (WHERE d.status IN ('pending', 'failed')))::float8 AS oldest
         FROM payment_event_delivery d JOIN payment_outbox e ON e.id = d.event_id
        WHERE d.status <> 'delivered'`,
    );
    return {
      undelivered: row.undelivered,
      dead: row.dead,
      oldest_undelivered_age_seconds:
        row.oldest === null ? null : Math.round(row.oldest * 1000) / 1000,
    };
  }

  /**
   * Resolves once every committed event has been delivered to every durable
   * listener (or parked dead). For tests of app code: no sleeps.
   */
  async waitUntilDelivered(
    options: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<void> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { undelivered } = await this.backlog();
      if (undelivered === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `${undelivered} payment event deliveries still undelivered after ${timeoutMs} ms (payments events --status failed)`,
        );
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
    }
  }
}
