import type { LoggerService } from '@nestjs/common';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { pendingMigrations, runMigrationsLocked } from './migrations-runner';
import { PAYMENT_MIGRATIONS_TABLE } from './typeorm-options';

/**
 * The service's schema on a data source it does not own (a host app's): its
 * migrations run (or, with migrationsRun false, are only checked) through a
 * short-lived connection with the same connection settings, the service's
 * migration list and its own `payment_migrations` table — the host's
 * migrations and its migrations table are never touched.
 */
export async function prepareSchemaOn(
  host: DataSource,
  migrationsRun: boolean,
  logger: LoggerService,
): Promise<true> {
  const migrator = await openMigrator(host);
  try {
    if (migrationsRun) {
      const applied = await runMigrationsLocked(migrator);
      if (applied.length > 0)
        logger.log({ msg: 'applied migrations', migrations: applied.map((m) => m.name) });
    } else {
      const pending = await pendingMigrations(migrator);
      if (pending.length > 0)
        logger.warn({
          msg: `migrationsRun is false and ${pending.length} payment migration(s) are pending: run them in your migration pipeline (PAYMENT_MIGRATIONS) or \`payments migrate\`; /health/ready answers 503 until then`,
          pending,
        });
    }
  } finally {
    await migrator.destroy();
  }
  return true;
}

/**
 * A short-lived connection with `host`'s connection settings that knows only the service's
 * migrations and their `payment_migrations` table (also `payments migrate` inside a host app).
 */
export async function openMigrator(host: DataSource): Promise<DataSource> {
  const options = host.options as DataSourceOptions & { name?: string };
  if (options.type !== 'postgres') {
    throw new Error(
      `PaymentModule needs a PostgreSQL data source, the host's is "${options.type}"`,
    );
  }
  return new DataSource({
    ...options,
    name: undefined,
    entities: [],
    subscribers: [],
    migrations: MIGRATIONS,
    migrationsTableName: PAYMENT_MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    dropSchema: false,
    logging: false,
    // Two: the advisory lock's session and the migrations' own.
    poolSize: 2,
    extra: { ...(options.extra as object | undefined), max: 2 },
  } as DataSourceOptions).initialize();
}
