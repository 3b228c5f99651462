import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { ThrottlerModule } from '@nestjs/throttler';
import { CheckoutModule } from './checkout/checkout.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { ApiKeyGuard } from './common/api-key.guard';
import { BodyKindGuard } from './common/body-kind.guard';
import { PublicRateLimitGuard } from './common/public-rate-limit.guard';
import { createRootLogger, LoggingModule, type RootLogger } from './common/logging';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CustomersModule } from './customers/customers.module';
import { DatabaseModule } from './database/database.module';
import { DisputesModule } from './disputes/disputes.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { PaymentProviderModule } from './payment-provider/payment-provider.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { RefundsModule } from './refunds/refunds.module';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { TransactionsModule } from './transactions/transactions.module';
import { WebhooksModule } from './webhooks/webhooks.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** The PostgreSQL to use: DATABASE_URL, or the embedded server main started. */
  databaseUrl: string;
  /** The app's own modules (e.g. its payment event listeners), run in the same container. */
  imports?: ModuleMetadata['imports'];
  /** The host's own pino logger; default: JSON lines on stdout at LOG_LEVEL. */
  logger?: RootLogger;
}

/** The whole service; also importable by an app that runs it in-process. */
@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, imports = [], logger }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule.forRoot(logger ?? createRootLogger(config.logLevel)),
        DatabaseModule.forRoot({ url: databaseUrl, migrationsRun: config.migrationsRun }),
        EventEmitterModule.forRoot({ wildcard: false }),
        ScheduleModule.forRoot(),
        ThrottlerModule.forRoot([
          {
            limit: config.publicRateLimit.limit,
            ttl: config.publicRateLimit.windowSeconds * 1000,
          },
        ]),
        MetricsModule,
        EventsModule,
        PaymentProviderModule.forRoot(config),
        WebhooksModule,
        CustomersModule,
        TransactionsModule,
        CheckoutModule,
        SubscriptionsModule,
        RefundsModule,
        DisputesModule,
        ReconcileModule,
        HealthModule,
        ...imports,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        // In this order: the key (401), then the body's type (415), then the public rate limit (429).
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: BodyKindGuard },
        { provide: APP_GUARD, useClass: PublicRateLimitGuard },
      ],
    };
  }
}
