import { Module, OnModuleInit } from '@nestjs/common';
import { WebhookHandlerRegistry } from '../webhooks/webhook-handler.registry';
import { RefundOrphansListener } from './refund-orphans.listener';
import { RefundReservations } from './refund-reservations';
import { RefundSettlementJob } from './refund-settlement.job';
import { RefundWebhookHandlers } from './refund-webhooks.handler';
import { RefundsService } from './refunds.service';

/** Refunds (DESIGN §6.3): the refund route, and the webhook handlers that keep refund rows in step. */
@Module({
  providers: [
    RefundsService,
    RefundReservations,
    RefundWebhookHandlers,
    RefundOrphansListener,
    RefundSettlementJob,
  ],
  exports: [RefundsService, RefundSettlementJob],
})
export class RefundsModule implements OnModuleInit {
  constructor(
    private readonly registry: WebhookHandlerRegistry,
    private readonly handlers: RefundWebhookHandlers,
  ) {}

  onModuleInit(): void {
    this.registry.register('charge.refunded', (change, ctx) =>
      this.handlers.onChargeRefunded(change, ctx),
    );
    this.registry.register('refund.changed', (change, ctx) =>
      this.handlers.onRefundChanged(change, ctx),
    );
  }
}
