import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { DEFAULT_POOL_SIZE } from '../config/app-config';
import { SnakeNamingStrategy } from './snake-naming.strategy';
import { serviceClientExtra } from './service-pg-client';

/** The service's own migrations table (a host's data source keeps its own beside it). */
export const PAYMENT_MIGRATIONS_TABLE = 'payment_migrations';

/**
 * The options shared by the app, the CLI and the migration tooling. `preparedStatements`:
 * the service's own pool runs its statements prepared (DATABASE_PREPARED_STATEMENTS);
 * `batchTransactions`: BEGIN and COMMIT share a round trip with a statement
 * (DATABASE_BATCH_TRANSACTIONS). See service-pg-client.ts. `poolSize`: its connections
 * (DATABASE_POOL_SIZE).
 */
export interface OwnPoolOptions {
  preparedStatements?: boolean;
  batchTransactions?: boolean;
  poolSize?: number;
}

export function typeOrmOptions(url: string, options: OwnPoolOptions = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    namingStrategy: new SnakeNamingStrategy(),
    migrations: MIGRATIONS,
    migrationsTableName: PAYMENT_MIGRATIONS_TABLE,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      application_name: 'payment-service',
      ...serviceClientExtra({
        preparedStatements: options.preparedStatements ?? false,
        batchTransactions: options.batchTransactions ?? false,
      }),
    },
  };
}
