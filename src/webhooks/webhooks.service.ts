import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource, type EntityManager } from 'typeorm';
import { EventOutbox, type RecordedEvents } from '../events/event-outbox';
import type { DomainEvent } from '../events/payment-event-map';
import {
  InjectPaymentProvider,
  type PaymentProvider,
  type RequestHeaders,
} from '../payment-provider/payment-provider.interface';
import type { ProviderEvent } from '../payment-provider/payment-provider.types';
import { UnreadableWebhookError } from '../payment-provider/payment-provider.errors';
import { NotFoundError } from '../common/domain-error';
import { MetricsService } from '../metrics/metrics.service';
import {
  WebhookEventEntity,
  type WebhookEventSource,
  type WebhookEventStatus,
} from './entities/webhook-event.entity';
import { RejectedEventError, WebhookHandlerRegistry } from './webhook-handler.registry';

export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored' | 'rejected';

/** Raised after the inbox row was marked failed; the controller answers 5xx. */
export class WebhookProcessingError extends Error {
  constructor(
    readonly eventId: string,
    override readonly cause: unknown,
  ) {
    super(`processing event ${eventId} failed: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'WebhookProcessingError';
  }
}

const MAX_ERROR_LENGTH = 2000;
/** How many committed event ids the duplicate shortcut remembers (~100 bytes each). */
const RECENT_EVENT_IDS = 50_000;
/** The inbox's provider_event_id column. */
const MAX_EVENT_ID_LENGTH = 255;

/**
 * PostgreSQL errors that say the event's data can never be stored as it is (DESIGN §6.1:
 * parked `rejected`, answered 2xx): a string too long for its column (a currency of more than
 * 3 letters), a number out of range (an amount of 2^53), a fraction where an integer belongs,
 * a NUL character, a date out of range.
 */
const PERMANENT_DATA_ERRORS = new Set([
  '22001',
  '22003',
  '22P02',
  '22021',
  '22P05',
  '22008',
  '22007',
]);

/**
 * Unique violations that no retry can cure (DESIGN §6.1: parked `rejected`): the event names a
 * charge id that another payment's row already holds. Returns the reason to park it with.
 */
const PERMANENT_CONFLICTS: Record<string, string> = {
  uq_payment_transaction_charge_charge: 'its charge id is already recorded on another payment',
};

function permanentConflictOf(error: unknown): Error | null {
  if (error instanceof RejectedEventError) return error;
  if (pgCodeOf(error) !== '23505') return null;
  const driverError = (error as { driverError?: { constraint?: unknown; detail?: unknown } })
    ?.driverError;
  const reason =
    typeof driverError?.constraint === 'string' ? PERMANENT_CONFLICTS[driverError.constraint] : '';
  if (!reason) return null;
  const detail = typeof driverError?.detail === 'string' ? ` (${driverError.detail})` : '';
  const conflict = new Error(`The event cannot be applied: ${reason}${detail}`);
  conflict.name = 'ConflictingData';
  return conflict;
}

function pgCodeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The inbox key of an event: its id, or (an id longer than the column) a digest of it. */
export function inboxEventId(id: string): string {
  return id.length <= MAX_EVENT_ID_LENGTH
    ? id
    : `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/**
 * The inbox (DESIGN §6.1): store by provider event id, process once in one
 * transaction together with marking the row processed and writing its domain
 * events to the outbox; answered once that commits (listeners run later, on the
 * job engine, and never hold or fail the provider's delivery). Concurrent
 * deliveries of one event serialise on the row lock.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);
  /** Answers redeliveries of recently committed events without a database round trip. */
  private readonly recent = new RecentIds(RECENT_EVENT_IDS);
  /** Events being processed by a request of this process: their copies wait for the outcome. */
  private readonly inflight = new Map<string, Promise<boolean>>();

  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    @InjectPaymentProvider() private readonly provider: PaymentProvider,
    private readonly registry: WebhookHandlerRegistry,
    private readonly outbox: EventOutbox,
    private readonly metrics: MetricsService,
  ) {}

  /** Verifies, stores and processes one delivery. Throws WebhookVerificationError (400) before storing anything. */
  async receive(
    rawBody: Buffer,
    headers: RequestHeaders,
  ): Promise<{ eventId: string; outcome: WebhookOutcome }> {
    let event: ProviderEvent;
    try {
      event = this.provider.parseWebhook(rawBody, headers);
    } catch (error) {
      if (error instanceof UnreadableWebhookError) return this.storeUnreadable(error, rawBody);
      this.metrics.webhookRejected();
      throw error;
    }
    this.metrics.webhookReceived(event.type);
    return { eventId: event.id, outcome: await this.ingest(event, 'webhook', rawBody) };
  }

  /**
   * Stores and processes one event already verified (a delivery) or listed by
   * the provider (reconciliation): the one inbox path, with its dedupe, row
   * lock and ordering guards. `source` is kept on the row that stores it first.
   */
  async ingest(
    event: ProviderEvent,
    source: WebhookEventSource,
    // The delivered bytes, kept when jsonb cannot hold the payload; a listed event is its payload.
    rawBody?: Buffer,
  ): Promise<WebhookOutcome> {
    const key = inboxEventId(event.id);
    // A redelivery of an event this process committed: answered before the database.
    if (this.recent.has(key)) {
      this.metrics.webhookHandled(event.type, 'duplicate');
      return 'duplicate';
    }
    // A copy of an event another request of this process is processing: once that one
    // commits, this copy is a duplicate; if it fails, this copy takes its own turn.
    const running = this.inflight.get(key);
    if (running && (await running)) {
      this.metrics.webhookHandled(event.type, 'duplicate');
      return 'duplicate';
    }
    let settle!: (committed: boolean) => void;
    const mine = new Promise<boolean>((resolve) => (settle = resolve));
    if (!this.inflight.has(key)) this.inflight.set(key, mine);
    let committed = false;
    try {
      const outcome = await this.ingestOnce(event, source, rawBody);
      committed = outcome === 'processed' || outcome === 'duplicate' || outcome === 'ignored';
      if (committed) this.recent.add(key);
      return outcome;
    } finally {
      if (this.inflight.get(key) === mine) this.inflight.delete(key);
      settle(committed);
    }
  }

  private async ingestOnce(
    event: ProviderEvent,
    source: WebhookEventSource,
    rawBody: Buffer | undefined,
  ): Promise<WebhookOutcome> {
    try {
      // An event whose envelope can never be valid (an id too long for any provider, a time
      // out of range) is kept for an operator and acknowledged.
      const envelopeProblem = envelopeProblemOf(event);
      if (envelopeProblem) {
        await this.store(event, source, rawBody ?? payloadBytes(event), {
          status: 'rejected',
          error: envelopeProblem,
        });
        this.metrics.webhookHandled(event.type, 'rejected');
        return 'rejected';
      }
      let outcome: WebhookOutcome;
      if (event.change) {
        outcome = await this.process(event, { source, rawBody });
      } else {
        await this.store(event, source, rawBody ?? payloadBytes(event));
        outcome = 'ignored';
      }
      this.metrics.webhookHandled(event.type, outcome);
      return outcome;
    } catch (error) {
      this.metrics.webhookHandled(event.type, 'failed');
      throw error;
    }
  }

  /** Reprocesses a stored event (CLI `webhooks replay`), whatever its status. */
  async replay(providerEventId: string): Promise<WebhookOutcome> {
    const row = await this.dataSource
      .getRepository(WebhookEventEntity)
      .findOneBy({ provider: this.provider.name, providerEventId });
    if (!row) throw new NotFoundError('Webhook event', providerEventId);
    const stored = await this.dataSource
      .getRepository(WebhookEventEntity)
      .createQueryBuilder('e')
      .addSelect('e.rawBody')
      .where('e.id = :id', { id: row.id })
      .getOneOrFail();
    // An event jsonb could not hold is read back from its exact bytes.
    const payload = stored.rawBody
      ? (JSON.parse(stored.rawBody.toString('utf8')) as Record<string, unknown>)
      : row.payload;
    const event = this.provider.interpretEvent(payload);
    return this.process(event, {
      source: row.source,
      rawBody: stored.rawBody ?? undefined,
      force: true,
    });
  }

  async list(filter: {
    status?: WebhookEventStatus;
    limit?: number;
  }): Promise<WebhookEventEntity[]> {
    return this.dataSource.getRepository(WebhookEventEntity).find({
      where: filter.status ? { status: filter.status } : {},
      order: { receivedAt: 'DESC', id: 'DESC' },
      take: filter.limit ?? 50,
    });
  }

  /**
   * Stores the event once: a repeated delivery finds the row already there. Whatever it
   * contains: when jsonb refuses the payload (a NUL character, a lone surrogate) the row keeps
   * `{}` and the exact bytes in raw_body; a time out of range is stored as the receipt time.
   */
  private async store(
    event: ProviderEvent,
    source: WebhookEventSource,
    rawBody: Buffer,
    park?: { status: 'failed' | 'rejected'; error: string },
  ): Promise<void> {
    const status = park?.status ?? (event.change ? 'received' : 'ignored');
    const occurredAt = validDate(event.occurredAt) ? event.occurredAt : new Date();
    const insert = (payload: string, raw: Buffer | null) =>
      this.dataSource.query(
        `INSERT INTO payment_webhook_event
           (provider, provider_event_id, type, payload, raw_body, status, last_error, occurred_at, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT ON CONSTRAINT uq_payment_webhook_event_provider_id DO NOTHING`,
        [
          this.provider.name,
          inboxEventId(event.id),
          event.type.slice(0, 128),
          payload,
          raw,
          status,
          park?.error.slice(0, MAX_ERROR_LENGTH) ?? null,
          occurredAt,
          source,
        ],
      );
    try {
      await insert(JSON.stringify(event.payload), null);
    } catch (error) {
      if (!PERMANENT_DATA_ERRORS.has(pgCodeOf(error) ?? '')) throw error;
      await insert('{}', rawBody);
    }
  }

  /** A verified event the adapter cannot read: stored `failed` with the reason, answered 5xx. */
  private async storeUnreadable(
    error: UnreadableWebhookError,
    rawBody: Buffer,
  ): Promise<{ eventId: string; outcome: WebhookOutcome }> {
    const { payload } = error;
    const id =
      typeof payload.id === 'string' && payload.id !== ''
        ? payload.id
        : `unreadable:${createHash('sha256').update(rawBody).digest('hex')}`;
    const type = typeof payload.type === 'string' && payload.type !== '' ? payload.type : 'unknown';
    const created = typeof payload.created === 'number' ? new Date(payload.created * 1000) : null;
    this.metrics.webhookReceived(type);
    this.metrics.webhookHandled(type, 'failed');
    const event: ProviderEvent = {
      id,
      type,
      occurredAt: created && validDate(created) ? created : new Date(),
      payload,
      change: null,
    };
    await this.store(event, 'webhook', rawBody, { status: 'failed', error: error.message });
    // A redelivery of a row stored earlier: keep it failed with the latest reason.
    await this.dataSource
      .createQueryBuilder()
      .update(WebhookEventEntity)
      .set({ lastError: error.message.slice(0, MAX_ERROR_LENGTH), attempts: () => 'attempts + 1' })
      .where('provider = :provider AND provider_event_id = :id AND status = :status', {
        provider: this.provider.name,
        id: inboxEventId(id),
        status: 'failed',
      })
      .execute();
    this.logger.error({
      msg: 'verified webhook could not be read',
      event_id: id,
      error: error.message,
    });
    throw new WebhookProcessingError(id, error);
  }

  /**
   * Processes an event with a change, in one transaction whose first statement claims it:
   * the inbox insert is the dedupe and the lock. A new event is inserted already `processed`
   * (the transaction commits all or nothing); a stored one not yet processed (failed, rejected,
   * or any with `force`) is updated and locked; a processed or ignored one returns nothing, a
   * duplicate. A concurrent delivery of the same event waits on the row until this commits.
   */
  private async process(
    event: ProviderEvent,
    options: { source: WebhookEventSource; rawBody?: Buffer; force?: boolean },
  ): Promise<WebhookOutcome> {
    const change = event.change;
    if (!change) return 'ignored';
    let inbox: InboxValues = this.inboxValues(
      event,
      options.source,
      JSON.stringify(event.payload),
      null,
    );
    // What the transaction recorded, or null when the claim found the event already processed.
    const run = () =>
      this.dataSource.transaction(async (manager): Promise<RecordedEvents | null> => {
        const claimed = await this.claim(manager, inbox, options.force ?? false);
        if (!claimed) return null;
        const pending: DomainEvent[] = [];
        const handler = this.registry.handlerFor(change.kind);
        await handler(change, {
          manager,
          provider: this.provider.name,
          eventId: event.id,
          eventType: event.type,
          occurredAt: event.occurredAt,
          rerun: !claimed.inserted,
          emit: (name, payload) => pending.push({ name, payload }),
        });
        // The transaction's last statement: its COMMIT goes with it.
        return this.outbox.record(manager, pending, { last: true });
      });
    try {
      let recorded: RecordedEvents | null;
      try {
        recorded = await run();
      } catch (error) {
        if (!(error instanceof PayloadRefusedError)) throw error;
        // jsonb refused the payload (a NUL character, a lone surrogate): the row keeps `{}`
        // and the exact bytes.
        inbox = { ...inbox, payload: '{}', rawBody: options.rawBody ?? payloadBytes(event) };
        recorded = await run();
      }
      if (!recorded) return 'duplicate';
      this.outbox.publishCommitted(recorded);
      return 'processed';
    } catch (error) {
      if (PERMANENT_DATA_ERRORS.has(pgCodeOf(error) ?? '')) {
        await this.markFailed(event.id, undefined, error, 'rejected', inbox);
        return 'rejected';
      }
      const conflict = permanentConflictOf(error);
      if (conflict) {
        await this.markFailed(event.id, undefined, conflict, 'rejected', inbox);
        return 'rejected';
      }
      await this.markFailed(event.id, undefined, error, 'failed', inbox);
      throw new WebhookProcessingError(event.id, error);
    }
  }

  private inboxValues(
    event: ProviderEvent,
    source: WebhookEventSource,
    payload: string,
    rawBody: Buffer | null,
  ): InboxValues {
    return {
      providerEventId: inboxEventId(event.id),
      type: event.type.slice(0, 128),
      payload,
      rawBody,
      occurredAt: validDate(event.occurredAt) ? event.occurredAt : new Date(),
      source,
    };
  }

  /** The claim (one statement); null: already processed or ignored, a duplicate. */
  private async claim(
    manager: EntityManager,
    inbox: InboxValues,
    force: boolean,
  ): Promise<{ id: number; inserted: boolean } | null> {
    let rows: { id: number; inserted: boolean }[];
    try {
      rows = await manager.query<{ id: number; inserted: boolean }[]>(
        `INSERT INTO payment_webhook_event AS e
           (provider, provider_event_id, type, payload, raw_body, status, attempts, processed_at, occurred_at, source)
         VALUES ($1, $2, $3, $4, $5, 'processed', 1, now(), $6, $7)
         ON CONFLICT ON CONSTRAINT uq_payment_webhook_event_provider_id DO UPDATE
           SET status = 'processed', attempts = e.attempts + 1, processed_at = now(), last_error = NULL
           WHERE e.status NOT IN ('processed', 'ignored') OR $8
         RETURNING e.id, (e.xmax = 0) AS inserted`,
        [
          this.provider.name,
          inbox.providerEventId,
          inbox.type,
          inbox.payload,
          inbox.rawBody,
          inbox.occurredAt,
          inbox.source,
          force,
        ],
      );
    } catch (error) {
      if (PERMANENT_DATA_ERRORS.has(pgCodeOf(error) ?? '') && inbox.rawBody === null)
        throw new PayloadRefusedError(error);
      throw error;
    }
    return rows[0] ?? null;
  }

  /**
   * Records a failure after the processing transaction rolled back. With `inbox` (the claim was
   * rolled back with it) the row is inserted when missing; a row another delivery of the same
   * event processed meanwhile stays processed.
   */
  private async markFailed(
    providerEventId: string,
    rowId: number | undefined,
    error: unknown,
    status: 'failed' | 'rejected' = 'failed',
    inbox?: InboxValues,
  ): Promise<void> {
    const message = (
      error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    ).slice(0, MAX_ERROR_LENGTH);
    this.logger.error(
      { msg: 'webhook processing failed', event_id: providerEventId, error: message },
      error instanceof Error ? error.stack : undefined,
    );
    try {
      if (inbox) {
        await this.dataSource.query(
          `INSERT INTO payment_webhook_event AS e
             (provider, provider_event_id, type, payload, raw_body, status, attempts, last_error, occurred_at, source)
           VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9)
           ON CONFLICT ON CONSTRAINT uq_payment_webhook_event_provider_id DO UPDATE
             SET status = EXCLUDED.status, last_error = EXCLUDED.last_error, attempts = e.attempts + 1
             WHERE e.status <> 'processed'`,
          [
            this.provider.name,
            inbox.providerEventId,
            inbox.type,
            inbox.payload,
            inbox.rawBody,
            status,
            message,
            inbox.occurredAt,
            inbox.source,
          ],
        );
        return;
      }
      await this.dataSource
        .createQueryBuilder()
        .update(WebhookEventEntity)
        .set({
          status,
          lastError: message,
          attempts: () => 'attempts + 1',
        })
        .where('provider = :provider AND provider_event_id = :providerEventId', {
          provider: this.provider.name,
          providerEventId: inboxEventId(providerEventId),
        })
        // The transaction rolled back: if a concurrent delivery of the same event
        // processed it meanwhile, that outcome stands.
        .andWhere("status <> 'processed'")
        .execute();
    } catch (markError) {
      this.logger.error({
        msg: 'could not mark webhook failed',
        event_id: providerEventId,
        row_id: rowId,
        error: (markError as Error).message,
      });
    }
  }
}

function validDate(date: Date): boolean {
  const time = date.getTime();
  // PostgreSQL's timestamptz covers 4713 BC to 294276 AD; providers' times are far inside.
  return Number.isFinite(time) && date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999;
}

/** Why an event's envelope can never be valid, or null. */
function envelopeProblemOf(event: ProviderEvent): string | null {
  if (event.id.length > MAX_EVENT_ID_LENGTH) {
    return `event id is ${event.id.length} characters, more than ${MAX_EVENT_ID_LENGTH}`;
  }
  if (!validDate(event.occurredAt)) return 'event time (created) is out of range';
  return null;
}

/** The inbox columns of one event, as the claim and the failure record write them. */
interface InboxValues {
  providerEventId: string;
  type: string;
  /** JSON text of the payload, or `{}` when jsonb refused it. */
  payload: string;
  /** The exact bytes, kept only when jsonb refused the payload. */
  rawBody: Buffer | null;
  occurredAt: Date;
  source: WebhookEventSource;
}

/** jsonb refused the payload in the claim: the transaction is retried with the raw bytes. */
class PayloadRefusedError extends Error {
  constructor(override readonly cause: unknown) {
    super('the payload cannot be stored as jsonb');
  }
}

/** A listed event's bytes are its payload. */
function payloadBytes(event: ProviderEvent): Buffer {
  return Buffer.from(JSON.stringify(event.payload));
}

/** Event ids this process committed (processed, ignored or found so), oldest dropped first. */
class RecentIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    if (this.ids.has(id)) return;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }
}
