import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { commitWithNextStatement } from '../database/service-pg-client';
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

const DELIVER_JOB_KEY_PREFIX = 'payment-event:';
export const deliverJobKey = (shard: number): string => `${DELIVER_JOB_KEY_PREFIX}${shard}`;

/** Collects the events of one transaction. */
export type EmitEvent = <N extends PaymentEventName>(name: N, payload: PaymentEventMap[N]) => void;

/** What `record` wrote: the events, and the delivery shards that need a job after commit. */
export interface RecordedEvents {
  readonly events: readonly DomainEvent[];
  readonly shards: readonly number[];
}

const NOTHING_RECORDED: RecordedEvents = { events: [], shards: [] };

/**
 * The transactional outbox (DESIGN §7). `record` writes the events and one
 * delivery row per durable listener in the caller's transaction, in one round
 * trip. `publishCommitted`, after commit, asks the job engine to drain the shards
 * touched (coalesced: one statement for many commits) and hands the events to
 * plain `@OnEvent` listeners, best effort.
 *
 * The delivery jobs are added after commit, not inside the transaction: a job per
 * shard is one row every webhook of that shard would otherwise lock until its commit
 * (transactions queued behind each other on four rows). The deliveries are durable
 * either way; if the process dies between commit and the job, the requeue sweep of
 * EventDelivery gives the shard a job within a few seconds.
 */
@Injectable()
export class EventOutbox implements BeforeApplicationShutdown {
  private readonly logger = new Logger(EventOutbox.name);
  /** Shards committed since the last job insert: one insert covers them all. */
  private readonly dueShards = new Set<number>();
  private adding?: Promise<void>;

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    private readonly listeners: PaymentListenerRegistry,
    private readonly emitter: EventEmitter2,
  ) {}

  /**
   * Writes the events inside `manager`'s open transaction; they and their deliveries exist
   * if and only if it commits. Pass the result to `publishCommitted` after the commit.
   */
  async record(
    manager: EntityManager,
    events: readonly DomainEvent[],
    options: {
      /**
       * This is the transaction's last statement: its COMMIT goes in the same round trip
       * (commitWithNextStatement) and the caller returns from the transaction right after.
       */
      last?: boolean;
    } = {},
  ): Promise<RecordedEvents> {
    if (events.length === 0) return NOTHING_RECORDED;
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
    if (options.last) commitWithNextStatement(manager);
    const written = await manager.query<{ shard: number }[]>(
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
                ((hashtext(ev.aggregate_type || ':' || ev.aggregate_id)::bigint % $4) + $4) % $4
           FROM ev JOIN unnest($2::text[], $3::text[]) AS s(listener, event) ON s.event = ev.name
         RETURNING shard
       )
       SELECT DISTINCT shard FROM del`,
      [JSON.stringify(rows), listeners, subscribed, DELIVERY_SHARDS],
    );
    return { events, shards: written.map((row) => Number(row.shard)) };
  }

  /**
   * After commit: the shards' delivery jobs (see the class comment), then plain `@OnEvent`
   * listeners (@nestjs/event-emitter), best effort — in this process only, not retried,
   * lost if the process dies now. Durable `@OnPaymentEvent` listeners are not called from here.
   */
  publishCommitted(recorded: RecordedEvents): void {
    if (recorded.shards.length > 0) this.addDeliveryJobs(recorded.shards);
    this.emitPlain(recorded.events);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.adding;
  }

  /**
   * One job per shard: a job already waiting for that shard absorbs the new deliveries
   * (job key, run_at kept so a backoff is not cut short). One insert at a time per
   * process; shards committed meanwhile wait for the next one, so a burst of commits
   * costs a few statements. Inserts sharing keys (other processes) lock them in one
   * order first, so none deadlock.
   */
  private addDeliveryJobs(shards: readonly number[]): void {
    for (const shard of shards) this.dueShards.add(shard);
    if (this.adding) return;
    const run = async (): Promise<void> => {
      try {
        while (this.dueShards.size > 0) {
          const due = [...this.dueShards].sort((a, b) => a - b);
          this.dueShards.clear();
          try {
            await this.dataSource.query(
              `SELECT (SELECT count(*) FROM ${JOB_SCHEMA}.add_jobs(specs.list, true)) AS jobs
                 FROM (SELECT array_agg(ROW($1::text, json_build_object('shard', s),
                                NULL, NULL, NULL, $2 || s, NULL, NULL)::${JOB_SCHEMA}.job_spec ORDER BY s) AS list
                         FROM unnest($3::int[]) AS s) specs,
                      -- add_jobs() locks the key rows in no set order: inserts sharing keys take
                      -- them first, in one order (volatile calls run after the sort), so none deadlock.
                      (SELECT count(*) AS n FROM (
                         SELECT pg_advisory_xact_lock(${KEY_LOCK}, k) FROM (
                           SELECT DISTINCT hashtext($2 || s) AS k FROM unnest($3::int[]) AS s
                         ) keys ORDER BY k) taken) locks
                WHERE locks.n >= 0`,
              [DELIVER_TASK, DELIVER_JOB_KEY_PREFIX, due],
            );
          } catch (error) {
            // The deliveries are committed: the requeue sweep gives their shards a job.
            this.logger.warn({
              msg: 'could not add delivery jobs (the requeue sweep will)',
              shards: due,
              error: (error as Error)?.message ?? String(error),
            });
          }
        }
      } finally {
        this.adding = undefined;
      }
    };
    this.adding = run();
  }

  private emitPlain(events: readonly DomainEvent[]): void {
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
    let recorded = NOTHING_RECORDED;
    const result = await this.dataSource.transaction(async (manager) => {
      events.length = 0;
      const value = await work(manager, emit);
      recorded = await this.record(manager, events, { last: true });
      return value;
    });
    this.publishCommitted(recorded);
    return result;
  }
}
