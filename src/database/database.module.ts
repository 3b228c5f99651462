import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { pendingMigrations, runMigrationsLocked } from './migrations-runner';
import { resetTransactionBoundaries } from './service-pg-client';
import { type OwnPoolOptions, typeOrmOptions } from './typeorm-options';

/**
 * TypeORM on the PostgreSQL at `url` (the embedded server or DATABASE_URL;
 * main/cli resolve which before the app is built). Migrations run at start,
 * under an advisory lock (runMigrationsLocked), unless MIGRATIONS_RUN=false —
 * then a pending migration is logged and /health/ready answers 503.
 */
/**
 * The name of the service's own pool: never TypeORM's default, so that in a host app with a
 * default data source of its own the two do not clash.
 */
export const OWN_DATA_SOURCE_NAME = 'payment-service';

/** Where the service's own pool connects, whether it migrates, and how it runs (OwnPoolOptions). */
export interface OwnDataSourceOptions extends OwnPoolOptions {
  url: string;
  migrationsRun: boolean;
}

@Module({})
export class DatabaseModule {
  static forRoot(options: OwnDataSourceOptions): DynamicModule {
    return DatabaseModule.forRootAsync({ inject: [], useFactory: () => options });
  }

  /** The URL from a factory (the config given to PaymentModule.forRootAsync). */
  static forRootAsync(factory: {
    inject: unknown[];
    useFactory: (...args: never[]) => OwnDataSourceOptions;
  }): DynamicModule {
    let options: OwnDataSourceOptions;
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          name: OWN_DATA_SOURCE_NAME,
          inject: factory.inject as never[],
          useFactory: (...args: unknown[]) => {
            options = factory.useFactory(...(args as never[]));
            return {
              ...typeOrmOptions(options.url, options),
              name: OWN_DATA_SOURCE_NAME,
              entities: ENTITIES,
              // Run below, under the lock, before any other provider uses the database.
              migrationsRun: false,
              retryAttempts: 3,
              retryDelay: 1000,
            };
          },
          dataSourceFactory: async (dataSourceOptions) => {
            const dataSource = await new DataSource(
              dataSourceOptions as DataSourceOptions,
            ).initialize();
            // A transaction boundary left pending by a client's last user never reaches the next.
            (dataSource.driver as unknown as { master: Pool }).master.on(
              'acquire',
              resetTransactionBoundaries,
            );
            try {
              await prepareSchema(dataSource, options.migrationsRun);
            } catch (error) {
              await dataSource.destroy().catch(() => undefined);
              throw error;
            }
            return dataSource;
          },
        }),
      ],
    };
  }
}

async function prepareSchema(dataSource: DataSource, migrationsRun: boolean): Promise<void> {
  const logger = new Logger('Migrations');
  if (migrationsRun) {
    const applied = await runMigrationsLocked(dataSource);
    if (applied.length > 0) {
      logger.log({ msg: 'applied migrations', migrations: applied.map((m) => m.name) });
    }
    return;
  }
  const pending = await pendingMigrations(dataSource);
  if (pending.length > 0) {
    logger.warn({
      msg: `MIGRATIONS_RUN=false and ${pending.length} migration(s) are pending: /health/ready answers 503 until \`payments migrate\` applies them`,
      pending,
    });
  }
}
