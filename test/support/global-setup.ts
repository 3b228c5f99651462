import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres, type DatabaseHandle } from '../../src/database/embedded-postgres';

declare global {
  var __EMBEDDED_PG__: { handle: DatabaseHandle; dir: string } | undefined;
}

/**
 * One PostgreSQL for the whole run: the server at TEST_DATABASE_URL when set,
 * else an embedded one in a temporary directory. Each test file then creates
 * (and drops) its own database on it — see test/support/test-database.ts.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_URL) {
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (error) {
      throw new Error(`TEST_DATABASE_URL does not answer: ${(error as Error).message}`);
    } finally {
      await client.end().catch(() => undefined);
    }
    process.stdout.write(`\ntests use the PostgreSQL server at TEST_DATABASE_URL\n`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payment-service-test-'));
  fs.chmodSync(dir, 0o755);
  const handle = await startEmbeddedPostgres(dir, { log: () => undefined });
  globalThis.__EMBEDDED_PG__ = { handle, dir };
  process.env.TEST_DATABASE_URL = handle.url;
  process.stdout.write(`\ntests use an embedded PostgreSQL (${dir})\n`);
}
