import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import * as net from 'node:net';
import supertest from 'supertest';
import type { DataSource } from 'typeorm';
import { createApp } from '../../src/bootstrap';
import type { RootLogger } from '../../src/common/logging';
import { loadConfig, type AppConfig } from '../../src/config/app-config';
import { PAYMENT_DATA_SOURCE } from '../../src/database/payment-data-source';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestApp {
  app: INestApplication;
  config: AppConfig;
  /** The environment the app was configured from (e.g. to run the CLI against the same setup). */
  env: Record<string, string>;
  /** e.g. http://127.0.0.1:41234 — the app really listens (the sandbox posts its webhooks to it). */
  baseUrl: string;
  http: ReturnType<typeof supertest>;
  dataSource: DataSource;
  database: TestDatabase;
  close(): Promise<void>;
}

/** Defaults for tests; any of them can be overridden per test file. */
const TEST_ENV: Record<string, string> = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  PAYMENT_PROVIDER: 'sandbox',
  DISPUTE_DEADLINE_CRON: 'off',
};

/**
 * Boots the real app (the same createApp main uses) on a fresh database and a
 * random port. Pass `database` to share one database between two app instances,
 * `imports` to add modules of a test's own (e.g. event listeners).
 */
export async function createTestApp(
  env: Record<string, string> = {},
  options: {
    database?: TestDatabase;
    imports?: ModuleMetadata['imports'];
    /** A host logger (pino) instead of the default one. */
    logger?: RootLogger;
  } = {},
): Promise<TestApp> {
  const database = options.database ?? (await createTestDatabase());
  // The port is chosen before the app is built (PUBLIC_BASE_URL names it); if something took it
  // meanwhile, the app is closed (nothing of it keeps running) and built again on another port.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    // Bundled pages, redirects and sandbox URLs are built from PUBLIC_BASE_URL: this instance.
    const effectiveEnv = {
      ...TEST_ENV,
      PUBLIC_BASE_URL: baseUrl,
      ...env,
      PORT: String(port),
      DATABASE_URL: database.url,
    };
    const config = loadConfig(effectiveEnv);
    const app = await createApp(config, database.url, {
      imports: options.imports,
      logger: options.logger,
    });
    try {
      await app.listen(port, '127.0.0.1');
    } catch (error) {
      await app.close();
      if ((error as { code?: string }).code === 'EADDRINUSE' && attempt < 5) continue;
      if (!options.database) await database.drop();
      throw error;
    }
    return listening(app, config, effectiveEnv, baseUrl, database, !options.database);
  }
}

function listening(
  app: INestApplication,
  config: AppConfig,
  env: Record<string, string>,
  baseUrl: string,
  database: TestDatabase,
  ownDatabase: boolean,
): TestApp {
  let closed = false;
  return {
    app,
    config,
    env,
    baseUrl,
    http: supertest(app.getHttpServer()),
    dataSource: app.get<DataSource>(PAYMENT_DATA_SOURCE),
    database,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (ownDatabase) await database.drop();
    },
  };
}

/**
 * A free port below Linux's ephemeral range (32768–60999), so that no outgoing connection of the
 * test process (PostgreSQL, the fake Stripe) can be given it between this check and the listen.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await isFree(port)) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
