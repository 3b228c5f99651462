import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { CheckoutModule } from './checkout/checkout.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { ApiKeyGuard } from './common/api-key.guard';
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
        HealthModule,
        ...imports,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
      ],
    };
  }
}
