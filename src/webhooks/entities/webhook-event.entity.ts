import { Check, Column, Entity, Index, Unique } from 'typeorm';
import { BaseRow } from '../../database/base.entity';

/**
 * `failed`: processing (or reading) failed; the provider retries and `webhooks replay` reruns it.
 * `rejected`: verified, but its data can never be valid (e.g. a malformed currency, an impossible
 * amount): parked for an operator, answered 2xx so the provider stops retrying.
 */
export type WebhookEventStatus = 'received' | 'processed' | 'failed' | 'ignored' | 'rejected';

/** How an event reached the inbox: a delivery, or reconciliation from the provider's event listing. */
export const WEBHOOK_EVENT_SOURCES = ['webhook', 'reconcile'] as const;
export type WebhookEventSource = (typeof WEBHOOK_EVENT_SOURCES)[number];

/** The inbox: every verified provider event, stored before it is processed. */
@Entity('payment_webhook_event')
@Unique('uq_payment_webhook_event_provider_id', ['provider', 'providerEventId'])
@Index('ix_payment_webhook_event_status_received', ['status', 'receivedAt'])
@Check(
  'ck_payment_webhook_event_status',
  `status IN ('received', 'processed', 'failed', 'ignored', 'rejected')`,
)
@Check('ck_payment_webhook_event_source', `source IN ('webhook', 'reconcile')`)
export class WebhookEventEntity extends BaseRow {
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 255 })
  providerEventId: string;

  @Column({ type: 'varchar', length: 128 })
  type: string;

  /** The event exactly as the provider sent it (parsed JSON). */
  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  /**
   * The delivery's exact bytes, kept only when jsonb cannot hold the event (a NUL character or
   * a lone surrogate in a string): `payload` is then `{}`.
   */
  @Column({ type: 'bytea', nullable: true, select: false })
  rawBody: Buffer | null;

  @Column({ type: 'varchar', length: 16, default: 'received' })
  status: WebhookEventStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** How it arrived first (a later delivery of a reconciled event finds the row and changes nothing). */
  @Column({ type: 'varchar', length: 16, default: 'webhook' })
  source: WebhookEventSource;

  @Column({ type: 'text', nullable: true })
  lastError: string | null;

  /** The provider's event time (`created`). */
  @Column({ type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  receivedAt: Date;

  @Column({ type: 'timestamptz', nullable: true })
  processedAt: Date | null;
}
