import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource, type EntityManager } from 'typeorm';
import { JOB_SCHEMA } from './job-engine';
import { aggregateOf, type DomainEvent, type PaymentEventMap } from './payment-event-map';
import type { PaymentEventName } from './payment-events';
import { PaymentListenerRegistry } from './payment-listener.registry';

export const DELIVER_TASK = 'payment_event_deliver';
/** Namespace of the transaction locks taken on job keys before they are upserted. */
const KEY_LOCK = 7_310_003;

/**
 * Deliveries are spread over this many shards by aggregate: one job (and one drain
 * at a time) per shard delivers to every listener, so a burst of events becomes a
 * few jobs that each deliver many, while shards are delivered in parallel.
 */
export const DELIVERY_SHARDS = 4;

/** The job that delivers one shard's events to every durable listener (see EventDelivery). */
export interface DeliverJobPayload {
  shard: number;
}

export const deliverJobKey = (shard: number): string => `payment-event:${shard}`;

/** Collects the events of one transaction. */
export type EmitEvent = <N extends PaymentEventName>(name: N, payload: PaymentEventMap[N]) => void;

/**
 * The transactional outbox (DESIGN §7). `record` writes the events, one
 * delivery row per durable listener and the jobs that deliver them, in the
 * caller's transaction, in one round trip. `publishCommitted` hands the same
 * events to plain `@OnEvent` listeners after commit, best effort.
 */
@Injectable()
export class EventOutbox {
  private readonly logger = new Logger(EventOutbox.name);

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    private readonly listeners: PaymentListenerRegistry,
    private readonly emitter: EventEmitter2,
  ) {}

  /**
   * Writes the events inside `manager`'s open transaction; they exist if and only if it
   * commits. One job per shard: a job already waiting for that shard absorbs the new
   * delivery (job key, run_at kept so a backoff is not cut short). Transactions
   * sharing keys lock them in one order first, so two webhooks never deadlock on them.
   */
  async record(manager: EntityManager, events: readonly DomainEvent[]): Promise<void> {
    if (events.length === 0) return;
    if (!manager.queryRunner?.isTransactionActive)
      throw new Error('EventOutbox.record needs an open transaction');
    const rows = events.map((event) => {
      const aggregate = aggregateOf(event);
      return {
        name: event.name,
        aggregate_type: aggregate.type,
        aggregate_id: aggregate.id,
        payload: event.payload,
        provider_event_id: event.payload.providerEventId ?? null,
      };
    });
    const { listeners, events: subscribed } = this.listeners.subscriptions();
    await manager.query(
      `WITH input AS (
         SELECT ord, e->>'name' AS name, e->>'aggregate_type' AS aggregate_type,
                e->>'aggregate_id' AS aggregate_id, e->'payload' AS payload,
                e->>'provider_event_id' AS provider_event_id
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(e, ord)
       ), ev AS (
         INSERT INTO payment_outbox (name, aggregate_type, aggregate_id, payload, provider_event_id)
         SELECT name, aggregate_type, aggregate_id, payload, provider_event_id FROM input ORDER BY ord
         RETURNING id, name, aggregate_type, aggregate_id
       ), del AS (
         INSERT INTO payment_event_delivery (event_id, listener, aggregate_key, shard)
         SELECT ev.id, s.listener, ev.aggregate_type || ':' || ev.aggregate_id,
                ((hashtext(ev.aggregate_type || ':' || ev.aggregate_id)::bigint % $5) + $5) % $5
           FROM ev JOIN unnest($2::text[], $3::text[]) AS s(listener, event) ON s.event = ev.name
         RETURNING listener, shard
       )
       SELECT (SELECT count(*) FROM ${JOB_SCHEMA}.add_jobs(specs.list, true)) AS jobs
         FROM (SELECT array_agg(ROW($4::text,
                        json_build_object('shard', shard),
                        NULL, NULL, NULL, 'payment-event:' || shard, NULL, NULL
                      )::${JOB_SCHEMA}.job_spec ORDER BY shard) AS list
                 FROM (SELECT DISTINCT shard FROM del) shards) specs,
              -- add_jobs() locks the key rows in no set order: transactions sharing keys take
              -- them first, in one order (volatile calls run after the sort), so none deadlock.
              (SELECT count(*) AS n FROM (
                 SELECT pg_advisory_xact_lock(${KEY_LOCK}, k) FROM (
                   SELECT DISTINCT hashtext('payment-event:' || shard) AS k FROM del
                 ) keys ORDER BY k) taken) locks
        WHERE specs.list IS NOT NULL AND locks.n >= 0`,
      [JSON.stringify(rows), listeners, subscribed, DELIVER_TASK, DELIVERY_SHARDS],
    );
  }

  /**
   * After commit: plain `@OnEvent` listeners (@nestjs/event-emitter), best
   * effort — in this process only, not retried, lost if the process dies now.
   * Durable `@OnPaymentEvent` listeners are not called from here.
   */
  publishCommitted(events: readonly DomainEvent[]): void {
    for (const event of events) {
      try {
        this.emitter.emitAsync(event.name, event.payload).catch((error: unknown) => {
          this.logger.error({
            msg: `an @OnEvent('${event.name}') listener failed (best effort: not retried)`,
            error: (error as Error)?.message ?? String(error),
          });
        });
      } catch (error) {
        this.logger.error({
          msg: `an @OnEvent('${event.name}') listener failed (best effort: not retried)`,
          error: (error as Error)?.message ?? String(error),
        });
      }
    }
  }

  /**
   * Runs `work` in a transaction; the events it emits are recorded before the
   * commit and handed to plain listeners after it.
   */
  async transaction<T>(work: (manager: EntityManager, emit: EmitEvent) => Promise<T>): Promise<T> {
    const events: DomainEvent[] = [];
    const emit: EmitEvent = (name, payload) => {
      events.push({ name, payload });
    };
    const result = await this.dataSource.transaction(async (manager) => {
      events.length = 0;
      const value = await work(manager, emit);
      await this.record(manager, events);
      return value;
    });
    this.publishCommitted(events);
    return result;
  }
}
