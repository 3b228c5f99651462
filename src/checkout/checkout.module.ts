import { Module, type OnModuleInit } from '@nestjs/common';
import { CustomersModule } from '../customers/customers.module';
import { TransactionsModule } from '../transactions/transactions.module';
import { WebhookHandlerRegistry } from '../webhooks/webhook-handler.registry';
import { SettlementJob } from '../events/settlement-job';
import { CheckoutSettlement } from './checkout-settlement';
import { CheckoutWebhookHandlers } from './checkout-webhook.handlers';
import { CheckoutService } from './checkout.service';
import { CreateCheckoutService } from './create-checkout.service';
import { PaymentWebhookHandlers } from './payment-webhook.handlers';

/**
 * Hosted checkout (DESIGN §6.2): POST /checkout, the session read route, the bundled success
 * and cancel pages, and the webhook handlers for checkout sessions and their payments.
 */
@Module({
  imports: [CustomersModule, TransactionsModule],
  providers: [
    CreateCheckoutService,
    CheckoutService,
    CheckoutWebhookHandlers,
    PaymentWebhookHandlers,
    CheckoutSettlement,
  ],
  exports: [CheckoutService, CreateCheckoutService],
})
export class CheckoutModule implements OnModuleInit {
  constructor(
    private readonly registry: WebhookHandlerRegistry,
    private readonly sessions: CheckoutWebhookHandlers,
    private readonly payments: PaymentWebhookHandlers,
    private readonly settlement: SettlementJob,
    private readonly settler: CheckoutSettlement,
  ) {}

  onModuleInit(): void {
    // Checkouts whose creation had an unknown provider outcome (DESIGN §9).
    this.settlement.register(this.settler);
    this.registry.register('checkout.completed', this.sessions.completed);
    this.registry.register('checkout.expired', this.sessions.expired);
    this.registry.register('checkout.async_payment_succeeded', this.sessions.asyncPaymentSucceeded);
    this.registry.register('checkout.async_payment_failed', this.sessions.asyncPaymentFailed);
    this.registry.register('payment.succeeded', this.payments.succeeded);
    this.registry.register('payment.failed', this.payments.failed);
  }
}
