import { Module, OnModuleInit } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { SettlementJob } from '../events/settlement-job';
import { WebhookHandlerRegistry } from '../webhooks/webhook-handler.registry';
import { InvoiceChargesService } from './invoice-charges.service';
import { SubscriptionCancellationService } from './subscription-cancellation.service';
import { SubscriptionSyncService } from './subscription-sync.service';
import { SubscriptionsService } from './subscriptions.service';

/** Subscriptions mirrored from the provider's webhooks, their invoices' charges, cancel / resume. */
@Module({
  imports: [CustomersModule],
  providers: [
    SubscriptionsService,
    SubscriptionCancellationService,
    SubscriptionSyncService,
    InvoiceChargesService,
  ],
  exports: [SubscriptionsService, SubscriptionCancellationService, SubscriptionSyncService],
})
export class SubscriptionsModule implements OnModuleInit {
  constructor(
    private readonly registry: WebhookHandlerRegistry,
    private readonly sync: SubscriptionSyncService,
    private readonly invoices: InvoiceChargesService,
    private readonly cancellation: SubscriptionCancellationService,
    private readonly settlement: SettlementJob,
  ) {}

  onModuleInit(): void {
    // Cancels / resumes whose provider outcome is unknown (DESIGN §9).
    this.settlement.register({ name: 'subscriptions', settle: () => this.cancellation.settle() });
    this.registry.register('subscription.changed', (change, ctx) => this.sync.handle(change, ctx));
    this.registry.register('subscription.deleted', (change, ctx) => this.sync.handle(change, ctx));
    this.registry.register('invoice.paid', (change, ctx) => this.invoices.handle(change, ctx));
    this.registry.register('invoice.payment_failed', (change, ctx) =>
      this.invoices.handle(change, ctx),
    );
  }
}
