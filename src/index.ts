/**
 * The public entry point for app code running the service in-process:
 * `AppModule.forRoot({ config: loadConfig(), databaseUrl, imports: [YourListenersModule] })`,
 * event names and payload types to listen with, and the feature services.
 */
export { AppModule, type AppModuleOptions } from './app.module';
export { createApp } from './bootstrap';
export { loadConfig, ConfigError, type AppConfig } from './config/app-config';
export { resolveDatabase, type DatabaseHandle } from './database/embedded-postgres';
export { createRootLogger, type RootLogger } from './common/logging';

export { PaymentEvents, PaymentEventBase, type PaymentEventName } from './events/payment-events';
export { OnPaymentEvent, type OnPaymentEventOptions } from './events/on-payment-event.decorator';
export type { PaymentEventMap, DomainEvent } from './events/payment-event-map';
export { waitForPaymentEvents } from './events/wait-for-payment-events';
export {
  EventsService,
  type EventBacklog,
  type EventDeliveryRow,
  type DeliveryStatus,
} from './events/events.service';
export {
  CheckoutCompletedEvent,
  CheckoutExpiredEvent,
  TransactionSucceededEvent,
  TransactionFailedEvent,
} from './checkout/checkout.events';
export { RefundCreatedEvent, RefundUpdatedEvent } from './refunds/refunds.events';
export {
  SubscriptionCreatedEvent,
  SubscriptionUpdatedEvent,
  SubscriptionCanceledEvent,
  InvoicePaidEvent,
  InvoicePaymentFailedEvent,
} from './subscriptions/subscriptions.events';
export {
  FraudWarningCreatedEvent,
  DisputeCreatedEvent,
  DisputeUpdatedEvent,
  DisputeClosedEvent,
  DisputeDeadlineApproachingEvent,
  DisputeDeadlinePassedEvent,
} from './disputes/disputes.events';

export { CheckoutModule } from './checkout/checkout.module';
export { CheckoutService } from './checkout/checkout.service';
export { CreateCheckoutService } from './checkout/create-checkout.service';
export { TransactionsModule } from './transactions/transactions.module';
export { TransactionsService } from './transactions/transactions.service';
export { RefundsModule } from './refunds/refunds.module';
export { RefundsService } from './refunds/refunds.service';
export { SubscriptionsModule } from './subscriptions/subscriptions.module';
export { SubscriptionsService } from './subscriptions/subscriptions.service';
export { SubscriptionCancellationService } from './subscriptions/subscription-cancellation.service';
export { DisputesModule } from './disputes/disputes.module';
export { DisputesService } from './disputes/disputes.service';
export { DisputeDeadlineJob } from './disputes/dispute-deadline.job';

export type { TransactionResource } from './transactions/transaction.resource';
export type { SubscriptionResource } from './subscriptions/subscription.resource';
export type { DisputeResource } from './disputes/dispute.resource';
export type { CheckoutSessionResource } from './checkout/checkout-session.resource';

export {
  PAYMENT_PROVIDER,
  InjectPaymentProvider,
  type PaymentProvider,
} from './payment-provider/payment-provider.interface';
export { DomainError, NotFoundError, ConflictError, ValidationError } from './common/domain-error';
