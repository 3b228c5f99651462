import {
  type DynamicModule,
  Inject,
  Logger,
  type MiddlewareConsumer,
  Module,
  type ModuleMetadata,
  type NestModule,
  type Type,
} from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { getOptionsToken, getStorageToken, ThrottlerStorageService } from '@nestjs/throttler';
import { getDataSourceToken } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CheckoutModule } from './checkout/checkout.module';
import { CheckoutController } from './checkout/checkout.controller';
import { HomePageController } from './checkout/pages/home-page.controller';
import { PaymentPagesController } from './checkout/pages/payment-pages.controller';
import { APP_CONFIG, loadConfig, type AppConfig, type ProviderName } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { PaymentMountModule } from './common/payment-mount';
import { CustomersModule } from './customers/customers.module';
import { DatabaseModule, OWN_DATA_SOURCE_NAME } from './database/database.module';
import { prepareSchemaOn } from './database/host-schema';
import { PaymentDataSourceModule } from './database/payment-data-source';
import { DisputesController } from './disputes/disputes.controller';
import { DisputesModule } from './disputes/disputes.module';
import { EventsModule } from './events/events.module';
import { HealthController } from './health/health.controller';
import { HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsModule } from './metrics/metrics.module';
import { PaymentProviderModule } from './payment-provider/payment-provider.module';
import { parseSandboxPrices } from './payment-provider/sandbox/sandbox-catalog';
import { SANDBOX_CONTROLLERS } from './payment-provider/sandbox/sandbox-provider.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { RefundsController } from './refunds/refunds.controller';
import { RefundsModule } from './refunds/refunds.module';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { SubscriptionsModule } from './subscriptions/subscriptions.module';
import { TransactionsController } from './transactions/transactions.controller';
import { TransactionsModule } from './transactions/transactions.module';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * The groups of routes the service can mount (each on by default):
 * - `api`: /api/v1/payment/{checkout,transactions,refund,subscriptions,disputes} (API key)
 * - `webhook`: POST /api/v1/payment/webhook (the provider's deliveries)
 * - `pages`: /payment/success, /payment/cancel, /payment/status (the bundled pages)
 * - `sandbox`: /sandbox/* (the sandbox's hosted checkout and simulations; sandbox provider only)
 * - `home`: GET / and POST /demo/checkout (the demo shop)
 * - `health`: /health, /health/ready
 * - `metrics`: GET /metrics (Prometheus) and the request metrics middleware
 * The OpenAPI UI (/docs) is the standalone app's (createApp); a host documents the
 * routes in its own Swagger document, or calls createOpenApiDocument(app).
 */
export type PaymentRouteGroup =
  'api' | 'webhook' | 'pages' | 'sandbox' | 'home' | 'health' | 'metrics';

export const PAYMENT_ROUTE_GROUPS: readonly PaymentRouteGroup[] = [
  'api',
  'webhook',
  'pages',
  'sandbox',
  'home',
  'health',
  'metrics',
];

const CONTROLLERS_BY_GROUP: Record<PaymentRouteGroup, Type[]> = {
  api: [
    CheckoutController,
    TransactionsController,
    RefundsController,
    SubscriptionsController,
    DisputesController,
  ],
  webhook: [WebhooksController],
  pages: [PaymentPagesController],
  sandbox: SANDBOX_CONTROLLERS,
  home: [HomePageController],
  health: [HealthController],
  metrics: [MetricsController],
};

/** DESIGN §3 settings: a validated AppConfig, or the variables by name (validated like the environment). */
export type PaymentSettings = AppConfig | Record<string, string | undefined>;

/**
 * Which PostgreSQL the service uses:
 * - omitted / `{ name }`: the host's TypeORM data source (the default one, or the one named
 *   `name` in `TypeOrmModule.forRoot({ name })`). Add PAYMENT_ENTITIES to its entities (or
 *   use `autoLoadEntities: true`); the service's migrations run on it at boot unless
 *   MIGRATIONS_RUN=false (`migrationsRun: false`), then they are the host's pipeline's job
 *   (PAYMENT_MIGRATIONS, table `payment_migrations`).
 * - `{ url }`: a pool of its own on that PostgreSQL (the standalone service does this).
 */
export type PaymentDataSourceOption = { name?: string } | { url: string };

/** What the options factory of forRootAsync returns (and part of what forRoot takes). */
export interface PaymentModuleConfig {
  /** Every §3 setting: provider secrets, PUBLIC_BASE_URL, API_KEYS, crons, events, limits… */
  config: PaymentSettings;
  /** With `dataSource: { url }` in forRootAsync: the URL, when it comes from the factory. */
  databaseUrl?: string;
}

/** What decides the module's shape (which modules, routes and connection exist): known up front. */
export interface PaymentModuleStaticOptions {
  /** The data source; default: the host's default TypeORM data source. */
  dataSource?: PaymentDataSourceOption;
  /**
   * The provider (stripe | sandbox). forRoot reads it from `config`; forRootAsync needs it
   * here (it decides which routes exist) and checks it matches the factory's config.
   */
  provider?: ProviderName;
  /** A path put before every route of the service (after the host's global prefix), e.g. `payments`. */
  routePrefix?: string;
  /** Route groups to mount (default: all); e.g. `{ home: false, metrics: false }`. */
  routes?: Partial<Record<PaymentRouteGroup, boolean>>;
  /** Modules of the app's own run in the service's container (e.g. its payment listeners). */
  imports?: ModuleMetadata['imports'];
  /**
   * Register @nestjs/event-emitter's root module (default true) for the best-effort `@OnEvent`
   * copies of the events. Set false when the host registers `EventEmitterModule.forRoot()`
   * itself (its emitter then carries them). No ScheduleModule is registered: the service's
   * schedules are its own.
   */
  registerEventEmitter?: boolean;
  /** Mount the request-metrics middleware on every path (the standalone app) rather than on the service's routes only. */
  metricsOnEveryRoute?: boolean;
}

export interface PaymentModuleOptions extends PaymentModuleStaticOptions, PaymentModuleConfig {}

export interface PaymentModuleAsyncOptions extends PaymentModuleStaticOptions {
  provider: ProviderName;
  /** Modules the factory's dependencies come from (e.g. the host's ConfigModule). */
  optionsImports?: ModuleMetadata['imports'];
  inject?: (string | symbol | Type | Function)[];
  useFactory: (...args: never[]) => PaymentModuleConfig | Promise<PaymentModuleConfig>;
}

/** The resolved shape, for the module's own use. */
interface PaymentModuleSetup {
  routes: Type[];
  metricsOnEveryRoute: boolean;
}
const PAYMENT_MODULE_SETUP = Symbol('PAYMENT_MODULE_SETUP');

/** An AppConfig from what the caller gave: validated like the environment, never reading it. */
export function toAppConfig(settings: PaymentSettings): AppConfig {
  if (settings.publicBaseUrl instanceof URL) return settings as AppConfig;
  return loadConfig(settings as Record<string, string | undefined>);
}

/**
 * The whole payment service as one Nest module, for a Nest app of your own
 * (README "Use it inside your Nest app") — and for the standalone service,
 * which is this module in a thin app of its own (bootstrap.ts createApp).
 *
 * It adds nothing global to the host: its error mapping, API-key check,
 * body-type check, rate limit and input pipes are declared on its own
 * controllers (@PaymentController); its routes go under `routePrefix`.
 */
@Module({})
export class PaymentModule implements NestModule {
  constructor(@Inject(PAYMENT_MODULE_SETUP) private readonly setup: PaymentModuleSetup) {}

  static forRoot(options: PaymentModuleOptions): DynamicModule {
    const config = toAppConfig(options.config);
    // A malformed SANDBOX_PRICES fails here, naming it, rather than halfway through boot.
    if (config.paymentProvider === 'sandbox') parseSandboxPrices(config.sandbox.pricesJson);
    if (options.provider && options.provider !== config.paymentProvider) {
      throw new Error(
        `PaymentModule: provider "${options.provider}" does not match the configuration's PAYMENT_PROVIDER "${config.paymentProvider}"`,
      );
    }
    return PaymentModule.build(
      { ...options, provider: config.paymentProvider },
      ConfigModule.forRoot(config, { databaseUrl: options.databaseUrl ?? null }),
    );
  }

  static forRootAsync(options: PaymentModuleAsyncOptions): DynamicModule {
    const configModule = ConfigModule.forRootAsync({
      imports: options.optionsImports,
      inject: options.inject ?? [],
      useFactory: async (...args: never[]) => {
        const resolved = await options.useFactory(...args);
        const config = toAppConfig(resolved.config);
        if (config.paymentProvider !== options.provider) {
          throw new Error(
            `PaymentModule.forRootAsync: the factory's PAYMENT_PROVIDER "${config.paymentProvider}" does not match provider "${options.provider}"`,
          );
        }
        return { config, databaseUrl: resolved.databaseUrl ?? null };
      },
    });
    return PaymentModule.build(options, configModule);
  }

  private static build(
    options: PaymentModuleStaticOptions & { provider?: ProviderName },
    configModule: DynamicModule,
  ): DynamicModule {
    const provider = options.provider!;
    const enabled = (group: PaymentRouteGroup): boolean =>
      options.routes?.[group] !== false && (group !== 'sandbox' || provider === 'sandbox');
    const controllers = PAYMENT_ROUTE_GROUPS.filter(enabled).flatMap(
      (group) => CONTROLLERS_BY_GROUP[group],
    );
    const dataSource = options.dataSource ?? {};
    const ownPool = 'url' in dataSource;
    // The host's data source: the default one, or the one named in TypeOrmModule.forRoot({ name }).
    const hostToken = ownPool ? undefined : getDataSourceToken(dataSource.name ?? 'default');
    const prefix = (options.routePrefix ?? '').replace(/^\/+|\/+$/g, '');

    const imports: NonNullable<ModuleMetadata['imports']> = [
      configModule,
      PaymentMountModule.forRoot(prefix),
      // PAYMENT_DATA_SOURCE (and the entities' repositories on it), which the whole service injects.
      PaymentDataSourceModule.forRoot(
        hostToken === undefined
          ? { useExisting: getDataSourceToken(OWN_DATA_SOURCE_NAME) }
          : {
              // On the host's data source: the service's migrations (its own table), before
              // anything uses it.
              inject: [hostToken, APP_CONFIG],
              useFactory: async (source: DataSource, config: AppConfig) => {
                await prepareSchemaOn(source, config.migrationsRun, new Logger('PaymentModule'));
                return source;
              },
            },
      ),
      ...(ownPool
        ? [
            DatabaseModule.forRootAsync({
              inject: [ConfigModule.RESOLVED],
              useFactory: (resolved: { config: AppConfig; databaseUrl?: string | null }) => ({
                url: resolved.databaseUrl ?? dataSource.url,
                migrationsRun: resolved.config.migrationsRun,
                poolSize: resolved.config.databasePoolSize,
                preparedStatements: resolved.config.databasePreparedStatements,
                batchTransactions: resolved.config.databaseBatchTransactions,
              }),
            }),
          ]
        : []),
      ...(options.registerEventEmitter === false
        ? []
        : [EventEmitterModule.forRoot({ wildcard: false })]),
      MetricsModule,
      EventsModule,
      PaymentProviderModule.forRoot(provider),
      WebhooksModule,
      CustomersModule,
      TransactionsModule,
      CheckoutModule,
      SubscriptionsModule,
      RefundsModule,
      DisputesModule,
      ReconcileModule,
      ...(prefix ? [RouterModule.register([{ path: prefix, module: PaymentModule }])] : []),
      ...(options.imports ?? []),
    ];
    const setup: PaymentModuleSetup = {
      routes: controllers,
      metricsOnEveryRoute: options.metricsOnEveryRoute === true,
    };

    return {
      module: PaymentModule,
      imports,
      controllers,
      providers: [
        { provide: PAYMENT_MODULE_SETUP, useValue: setup },
        // The public rate limit (PublicRateLimitGuard is a ThrottlerGuard): its options and
        // storage are the service's own, so a host's ThrottlerModule is left alone.
        {
          provide: getOptionsToken(),
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => [
            {
              limit: config.publicRateLimit.limit,
              ttl: config.publicRateLimit.windowSeconds * 1000,
            },
          ],
        },
        { provide: getStorageToken(), useClass: ThrottlerStorageService },
      ],
      exports: [
        CheckoutModule,
        TransactionsModule,
        SubscriptionsModule,
        RefundsModule,
        DisputesModule,
        CustomersModule,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    if (!this.setup.routes.includes(MetricsController) && !this.setup.metricsOnEveryRoute) return;
    if (this.setup.metricsOnEveryRoute) consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
    else if (this.setup.routes.length > 0)
      consumer.apply(HttpMetricsMiddleware).forRoutes(...this.setup.routes);
  }
}
