import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import {
  killLeftoverServices,
  MAIN_JS,
  startService,
  waitUntilReady,
  type ServiceProcess,
} from '../support/service-process';

/**
 * The service as users run it: the built `node dist/src/main.js` (npm test
 * builds first). Covers boot-time validation, the embedded PostgreSQL and
 * DATABASE_URL modes, restart and shutdown.
 */

const SCHEMA_QUERIES = {
  columns: `SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
            WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  constraints: `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                WHERE connamespace = 'public'::regnamespace ORDER BY conname`,
  indexes: `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
};

async function schemaOf(url: string): Promise<Record<string, unknown[]>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const out: Record<string, unknown[]> = {};
    for (const [name, sql] of Object.entries(SCHEMA_QUERIES))
      out[name] = (await client.query(sql)).rows;
    return out;
  } finally {
    await client.end();
  }
}

function embeddedUrl(dataDir: string): string {
  const port = fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3];
  return `postgres://postgres:postgres@127.0.0.1:${port}/payments`;
}

async function stop(service: ServiceProcess): Promise<number | null> {
  service.child.kill('SIGTERM');
  return service.exited;
}

describe('the service process', () => {
  beforeAll(() => {
    if (!fs.existsSync(MAIN_JS))
      throw new Error(`${MAIN_JS} is missing: run npm run build (npm test does it first)`);
  });
  afterAll(killLeftoverServices);

  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer'],
    [
      { PAYMENT_PROVIDER: 'paypal' },
      'PAYMENT_PROVIDER must be one of stripe, sandbox, got "paypal"',
    ],
    [{ NODE_ENV: 'production' }, 'API_KEYS is required when NODE_ENV=production'],
    [{ SANDBOX_PRICES: '[{"id": 5}]' }, 'SANDBOX_PRICES'],
    [
      { NODE_ENV: 'production', API_KEYS: 'k1' },
      'PAYMENT_PROVIDER is sandbox (the default) while NODE_ENV=production: set PAYMENT_PROVIDER=stripe',
    ],
    [
      { NODE_ENV: 'production', API_KEYS: 'k1', SANDBOX_IN_PRODUCTION: 'true' },
      'SANDBOX_WEBHOOK_SECRET must be set to a secret of your own',
    ],
    [{ DISPUTE_DEADLINE_CRON: '99 * * * *' }, 'DISPUTE_DEADLINE_CRON must be a cron expression'],
  ])(
    'refuses to start with %j, naming the variable and printing no stack trace',
    async (env, expected) => {
      const db = await createTestDatabase();
      try {
        const service = await startService({ DATABASE_URL: db.url, ...env });
        expect(await service.exited).toBe(1);
        expect(service.output()).toContain(expected);
        expect(service.output()).not.toMatch(/\n\s+at /);
      } finally {
        await db.drop();
      }
    },
  );

  it('reads .env from its working directory, and the environment wins over it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payment-service-env-'));
    try {
      fs.writeFileSync(
        path.join(dir, '.env'),
        'PAYMENT_PROVIDER=paypal\nDISPUTE_DEADLINE_CRON=nonsense\n',
      );
      const service = await startService(
        { DATABASE_URL: 'postgres://unused@127.0.0.1:1/none', DISPUTE_DEADLINE_CRON: 'off' },
        { cwd: dir },
      );
      expect(await service.exited).toBe(1);
      expect(service.output()).toContain(
        'PAYMENT_PROVIDER must be one of stripe, sandbox, got "paypal"',
      );
      expect(service.output()).not.toContain('DISPUTE_DEADLINE_CRON');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('with no DATABASE_URL (embedded PostgreSQL in DATA_DIR)', () => {
    let dataDir: string;
    let server: TestDatabase;

    beforeAll(async () => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payment-service-data-'));
      fs.chmodSync(dataDir, 0o755);
      server = await createTestDatabase();
    });
    afterAll(async () => {
      fs.rmSync(dataDir, { recursive: true, force: true });
      await server.drop();
    });

    it('starts, keeps rows across a restart, refuses a second process on the same DATA_DIR, and stops its server', async () => {
      const first = await startService({ DATA_DIR: dataDir });
      await waitUntilReady(first);

      const client = new Client({ connectionString: embeddedUrl(dataDir) });
      await client.connect();
      await client.query(
        `INSERT INTO payment_customer (provider, provider_customer_id, external_ref) VALUES ('sandbox', 'cus_keep', 'user-1')`,
      );
      await client.end();

      const second = await startService({ DATA_DIR: dataDir });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(/DATA_DIR .* is in use by another embedded PostgreSQL/);
      expect(second.output()).not.toMatch(/\n\s+at /);

      expect(await stop(first)).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

      const again = await startService({ DATA_DIR: dataDir });
      await waitUntilReady(again);
      const reconnect = new Client({ connectionString: embeddedUrl(dataDir) });
      await reconnect.connect();
      const rows = await reconnect.query(
        `SELECT external_ref FROM payment_customer WHERE provider_customer_id = 'cus_keep'`,
      );
      const embeddedSchema = await schemaOf(embeddedUrl(dataDir));
      await reconnect.end();
      expect(rows.rows).toEqual([{ external_ref: 'user-1' }]);
      expect(await stop(again)).toBe(0);

      // The same migrations give the same tables, constraints and indexes on a PostgreSQL server.
      const onServer = await startService({ DATABASE_URL: server.url });
      await waitUntilReady(onServer);
      expect(await stop(onServer)).toBe(0);
      expect(await schemaOf(server.url)).toEqual(embeddedSchema);
    });
  });
});
