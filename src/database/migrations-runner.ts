import type { DataSource, Migration, MigrationInterface } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { PAYMENT_MIGRATIONS_TABLE } from './typeorm-options';

/** Held (session-level) while migrations run: instances starting together apply them once. */
export const MIGRATIONS_LOCK = 'payment-service:migrations';

/**
 * Runs the pending migrations under a PostgreSQL advisory lock. A second
 * instance waits for the first, then finds nothing to do — instead of both
 * creating the migrations table and colliding ("duplicate key … pg_type").
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<Migration[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [MIGRATIONS_LOCK]);
    try {
      return await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [MIGRATIONS_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Names of the migrations this build has that the database has not applied
 * (all of them when the migrations table does not exist yet). Reads only.
 */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  // The service's own list and table, whichever data source (the service's or a host's).
  const table = PAYMENT_MIGRATIONS_TABLE;
  const known = MIGRATIONS.map((type) => {
    const migration = new (type as new () => MigrationInterface)();
    return migration.name ?? type.name;
  });
  const exists = await dataSource.query<{ present: boolean }[]>(
    'SELECT to_regclass($1) IS NOT NULL AS present',
    [table],
  );
  if (!exists[0]?.present) return known;
  const applied = await dataSource.query<{ name: string }[]>(
    `SELECT name FROM ${dataSource.driver.escape(table)}`,
  );
  const done = new Set(applied.map((row) => row.name));
  return known.filter((name) => !done.has(name));
}
