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
  await app.listen(port, '127.0.0.1');
  let closed = false;
  return {
    app,
    config,
    env: effectiveEnv,
    baseUrl,
    http: supertest(app.getHttpServer()),
    dataSource: app.get<DataSource>(PAYMENT_DATA_SOURCE),
    database,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (!options.database) await database.drop();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
