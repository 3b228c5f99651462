import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { EventOutbox } from '../events/event-outbox';
import type { DomainEvent } from '../events/payment-event-map';
import {
  InjectPaymentProvider,
  type PaymentProvider,
  type RequestHeaders,
} from '../payment-provider/payment-provider.interface';
import type { ProviderEvent } from '../payment-provider/payment-provider.types';
import { NotFoundError } from '../common/domain-error';
import { MetricsService } from '../metrics/metrics.service';
import {
  WebhookEventEntity,
  type WebhookEventSource,
  type WebhookEventStatus,
} from './entities/webhook-event.entity';
import { WebhookHandlerRegistry } from './webhook-handler.registry';

export type WebhookOutcome = 'processed' | 'duplicate' | 'ignored';

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

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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
      this.metrics.webhookRejected();
      throw error;
    }
    this.metrics.webhookReceived(event.type);
    return { eventId: event.id, outcome: await this.ingest(event, 'webhook') };
  }

  /**
   * Stores and processes one event already verified (a delivery) or listed by
   * the provider (reconciliation): the one inbox path, with its dedupe, row
   * lock and ordering guards. `source` is kept on the row that stores it first.
   */
  async ingest(event: ProviderEvent, source: WebhookEventSource): Promise<WebhookOutcome> {
    try {
      await this.store(event, source);
      const outcome = await this.process(event);
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
    const event = this.provider.interpretEvent(row.payload);
    return this.process(event, { force: true });
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

  /** Stores the event once: a repeated delivery finds the row already there. */
  private async store(event: ProviderEvent, source: WebhookEventSource): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO payment_webhook_event (provider, provider_event_id, type, payload, status, occurred_at, source)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ON CONSTRAINT uq_payment_webhook_event_provider_id DO NOTHING`,
      [
        this.provider.name,
        event.id,
        event.type,
        JSON.stringify(event.payload),
        event.change ? 'received' : 'ignored',
        event.occurredAt,
        source,
      ],
    );
  }

  private async process(
    event: ProviderEvent,
    options: { force?: boolean } = {},
  ): Promise<WebhookOutcome> {
    const change = event.change;
    if (!change) return 'ignored';
    let pending: DomainEvent[] = [];
    let rowId: number | undefined;
    try {
      const done = await this.dataSource.transaction(async (manager) => {
        const row = await this.lockRow(manager, event.id);
        rowId = row.id;
        if (!options.force && (row.status === 'processed' || row.status === 'ignored'))
          return false;
        pending = [];
        const handler = this.registry.handlerFor(change.kind);
        await handler(change, {
          manager,
          provider: this.provider.name,
          eventId: event.id,
          eventType: event.type,
          occurredAt: event.occurredAt,
          rerun: row.status !== 'received',
          emit: (name, payload) => pending.push({ name, payload }),
        });
        await this.outbox.record(manager, pending);
        await manager.update(WebhookEventEntity, row.id, {
          status: 'processed',
          attempts: () => 'attempts + 1',
          processedAt: new Date(),
          lastError: null,
        });
        return true;
      });
      if (!done) return 'duplicate';
      this.outbox.publishCommitted(pending);
      return 'processed';
    } catch (error) {
      await this.markFailed(event.id, rowId, error);
      throw new WebhookProcessingError(event.id, error);
    }
  }

  private async lockRow(
    manager: EntityManager,
    providerEventId: string,
  ): Promise<WebhookEventEntity> {
    const row = await manager
      .getRepository(WebhookEventEntity)
      .createQueryBuilder('e')
      .setLock('pessimistic_write')
      .where('e.provider = :provider AND e.provider_event_id = :providerEventId', {
        provider: this.provider.name,
        providerEventId,
      })
      .getOne();
    if (!row) throw new Error(`inbox row for ${providerEventId} vanished`);
    return row;
  }

  private async markFailed(
    providerEventId: string,
    rowId: number | undefined,
    error: unknown,
  ): Promise<void> {
    const message = (
      error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    ).slice(0, MAX_ERROR_LENGTH);
    this.logger.error(
      { msg: 'webhook processing failed', event_id: providerEventId, error: message },
      error instanceof Error ? error.stack : undefined,
    );
    try {
      await this.dataSource
        .createQueryBuilder()
        .update(WebhookEventEntity)
        .set({
          status: 'failed',
          lastError: message,
          attempts: () => 'attempts + 1',
        })
        .where('provider = :provider AND provider_event_id = :providerEventId', {
          provider: this.provider.name,
          providerEventId,
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
