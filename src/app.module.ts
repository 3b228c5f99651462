import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { createRootLogger, LoggingModule, type RootLogger } from './common/logging';
import type { AppConfig } from './config/app-config';
import { PaymentModule, type PaymentRouteGroup } from './payment.module';

export interface AppModuleOptions {
  config: AppConfig;
  /** The PostgreSQL to use: DATABASE_URL, or the embedded server main started. */
  databaseUrl: string;
  /** The app's own modules (e.g. its payment event listeners), run in the same container. */
  imports?: ModuleMetadata['imports'];
  /** The host's own pino logger; default: JSON lines on stdout at LOG_LEVEL. */
  logger?: RootLogger;
  /** Route groups to leave out (default: all mounted). */
  routes?: Partial<Record<PaymentRouteGroup, boolean>>;
}

/**
 * The standalone service's root module (`npm start`, the CLI, the tests): the
 * service's logging (nestjs-pino) plus PaymentModule on a pool of its own.
 * A Nest app of your own imports PaymentModule instead (README).
 */
@Module({})
export class AppModule {
  static forRoot({
    config,
    databaseUrl,
    imports = [],
    logger,
    routes,
  }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        LoggingModule.forRoot(logger ?? createRootLogger(config.logLevel)),
        PaymentModule.forRoot({
          config,
          dataSource: { url: databaseUrl },
          imports,
          routes,
          metricsOnEveryRoute: true,
        }),
      ],
    };
  }
}
