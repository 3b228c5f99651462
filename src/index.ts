/**
 * The public entry point. In a Nest app of your own:
 * `PaymentModule.forRootAsync({ provider, inject: [ConfigService], useFactory })` on your
 * TypeORM data source (README "Use it inside your Nest app"); the event names and payload
 * types to listen with; the feature services (RefundsService, …); entities and migrations
 * for your migration pipeline; the CLI commands in your process (runCli).
 * The standalone service is `createApp` (AppModule = PaymentModule in a thin app).
 */
export {
  PaymentModule,
  PAYMENT_ROUTE_GROUPS,
  toAppConfig,
  type PaymentModuleOptions,
  type PaymentModuleAsyncOptions,
  type PaymentModuleConfig,
  type PaymentModuleStaticOptions,
  type PaymentDataSourceOption,
  type PaymentRouteGroup,
  type PaymentSettings,
} from './payment.module';
export { PaymentController, PAYMENT_CONTROLLER } from './common/payment-controller.decorator';
export { ENTITIES as PAYMENT_ENTITIES } from './database/entities';
export { MIGRATIONS as PAYMENT_MIGRATIONS } from '../migrations';
export { PAYMENT_MIGRATIONS_TABLE } from './database/typeorm-options';
export { SnakeNamingStrategy as PaymentNamingStrategy } from './database/snake-naming.strategy';
export { createOpenApiDocument } from './common/openapi/openapi-document';
export { AppModule, type AppModuleOptions } from './app.module';
export { createApp } from './bootstrap';
export { runCli } from './cli/run-cli';
export type { CliIo } from './cli/cli-runtime';
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
