import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { createRootLogger } from './common/logging';
import { loadDotEnv } from './config/env-file';
import {
  EmbeddedDatabaseError,
  resolveDatabase,
  type DatabaseHandle,
} from './database/embedded-postgres';
import { DatabaseStartupError, ensureDatabaseExists } from './database/ensure-database';

/** Config errors and a busy DATA_DIR end the process with a message, not a stack trace. */
function fail(message: string): never {
  process.stderr.write(`payment-service: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const rootLogger = createRootLogger(config.logLevel);
  const logger = rootLogger.child({ context: 'Main' });
  let database: DatabaseHandle;
  try {
    // The embedded server's output goes through our logger (JSON lines, no colours).
    const embeddedLog = rootLogger.child({ context: 'EmbeddedPostgres' });
    database = await resolveDatabase(config.databaseUrl, config.dataDir, {
      logger: {
        log: (message: unknown) => embeddedLog.info(String(message)),
        warn: (message: unknown) => embeddedLog.warn(String(message)),
        error: (message: unknown) => embeddedLog.error(String(message)),
        debug: (message: unknown) => embeddedLog.debug(String(message)),
      },
    });
    if (!database.embedded) {
      const databaseLog = rootLogger.child({ context: 'Database' });
      await ensureDatabaseExists(database.url, (msg) => databaseLog.info(msg));
    }
  } catch (error) {
    if (error instanceof EmbeddedDatabaseError || error instanceof DatabaseStartupError)
      fail(error.message);
    throw error;
  }

  let app: INestApplication | undefined;
  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Stops accepting connections, lets in-flight requests finish, closes the database pool.
    const force = setTimeout(() => process.exit(1), 15_000).unref();
    try {
      await app?.close();
      await database.stop();
    } finally {
      clearTimeout(force);
    }
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  try {
    app = await createApp(config, database.url, { logger: rootLogger });
    await app.listen(config.port);
    // PORT=0 picks a free port: log the one we got.
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    const mode = database.embedded
      ? `embedded PostgreSQL in ${config.dataDir}`
      : 'PostgreSQL at DATABASE_URL';
    logger.info(
      { port, provider: config.paymentProvider, database: mode },
      `payment service listening on http://localhost:${port}`,
    );
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.stop();
    // A provider validates its own settings (e.g. SANDBOX_PRICES) when it is built.
    if (error instanceof ConfigError) fail(error.message);
    logger.error({ err: error }, 'failed to start');
    process.exit(1);
  }
}

void main();
