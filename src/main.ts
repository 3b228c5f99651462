import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './bootstrap';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { JsonLogger } from './common/json-logger';
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
  const logger = new JsonLogger(config.logLevel);
  let database: DatabaseHandle;
  try {
    // The embedded server's output goes through our logger (JSON lines, no colours).
    database = await resolveDatabase(config.databaseUrl, config.dataDir, { logger });
    if (!database.embedded) {
      await ensureDatabaseExists(database.url, (msg) => logger.log({ msg }, 'Database'));
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
    logger.log({ msg: 'shutting down', signal }, 'Main');
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
    app = await createApp(config, database.url);
    await app.listen(config.port);
    // PORT=0 picks a free port: log the one we got.
    const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
    const mode = database.embedded
      ? `embedded PostgreSQL in ${config.dataDir}`
      : 'PostgreSQL at DATABASE_URL';
    logger.log(
      {
        msg: `payment service listening on http://localhost:${port}`,
        port,
        provider: config.paymentProvider,
        database: mode,
      },
      'Main',
    );
  } catch (error) {
    await app?.close().catch(() => undefined);
    await database.stop();
    // A provider validates its own settings (e.g. SANDBOX_PRICES) when it is built.
    if (error instanceof ConfigError) fail(error.message);
    logger.error(
      { msg: 'failed to start', error: (error as Error).message },
      (error as Error).stack,
      'Main',
    );
    process.exit(1);
  }
}

void main();
