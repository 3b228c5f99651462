import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS } from '../../migrations';
import { DataSource } from 'typeorm';
import { runMigrationsLocked } from '../../src/database/migrations-runner';
import { typeOrmOptions } from '../../src/database/typeorm-options';
import {
  killLeftoverServices,
  MAIN_JS,
  startService,
  waitUntilReady,
  type ServiceProcess,
} from '../support/service-process';
import { createTestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/**
 * Start-up truth: readiness reflects pending migrations, a missing database is
 * created (or named in one line), instances starting together migrate once,
 * and an embedded PostgreSQL orphaned by a killed service does not block the
 * next start. The process tests run the built service (dist/src/main.js).
 */

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, name: string): string {
  const next = new URL(url);
  next.pathname = `/${name}`;
  return next.toString();
}

async function stop(service: ServiceProcess): Promise<number | null> {
  service.child.kill('SIGTERM');
  return service.exited;
}

/** Log lines that report a problem (JSON lines at error level, or anything that is not JSON). */
function problems(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      try {
        const entry = JSON.parse(line) as { level?: string };
        return entry.level === 'error';
      } catch {
        return true;
      }
    });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('readiness (e2e)', () => {
  it('answers 503 naming the pending migrations while MIGRATIONS_RUN=false, then 200 once applied', async () => {
    const database = await createTestDatabase();
    try {
      const empty = await createTestApp({ MIGRATIONS_RUN: 'false' }, { database });
      const before = await empty.http.get('/health/ready').expect(503);
      expect(before.body).toMatchObject({
        status: 'unavailable',
        database: 'up',
        migrations: { pending: MIGRATIONS.map((migration) => migration.name) },
      });
      expect((before.body as { migrations: { message: string } }).migrations.message).toMatch(
        /pending: run `payments migrate`/,
      );
      await runMigrationsLocked(empty.dataSource);
      const ready = await empty.http.get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ status: 'ok', database: 'up' });
      expect(ready.body).not.toHaveProperty('migrations');

      // One migration behind: exactly that one is named.
      const last = MIGRATIONS[MIGRATIONS.length - 1].name;
      await empty.dataSource.query('DELETE FROM payment_migrations WHERE name = $1', [last]);
      await empty.close();
      const behind = await createTestApp({ MIGRATIONS_RUN: 'false' }, { database });
      const response = await behind.http.get('/health/ready').expect(503);
      expect((response.body as { migrations: { pending: string[] } }).migrations.pending).toEqual([
        last,
      ]);
      await behind.close();
    } finally {
      await database.drop();
    }
  });
});

describe('migrations under an advisory lock (e2e)', () => {
  it('three data sources migrating one empty database at the same moment apply each migration once', async () => {
    const database = await createTestDatabase();
    const sources = [1, 2, 3].map(() => new DataSource(typeOrmOptions(database.url)));
    try {
      await Promise.all(sources.map((source) => source.initialize()));
      const results = await Promise.all(sources.map((source) => runMigrationsLocked(source)));
      // One of them applied everything; the others found nothing to do (no collision, no error).
      expect(results.map((applied) => applied.length).sort()).toEqual([0, 0, MIGRATIONS.length]);
    } finally {
      await Promise.all(sources.map((source) => source.destroy().catch(() => undefined)));
      await database.drop();
    }
  });
});

describe('the service starting (process e2e)', () => {
  beforeAll(() => {
    if (!fs.existsSync(MAIN_JS))
      throw new Error(`${MAIN_JS} is missing: run npx nest build (npm test does it first)`);
  });
  afterAll(killLeftoverServices);

  it('three instances started at once on an empty database migrate once and log no error', async () => {
    const database = await createTestDatabase();
    try {
      const services = await Promise.all(
        [1, 2, 3].map(() => startService({ DATABASE_URL: database.url })),
      );
      await Promise.all(services.map((service) => waitUntilReady(service)));
      const applied = await query<{ name: string }>(
        database.url,
        'SELECT name FROM payment_migrations ORDER BY id',
      );
      expect(applied.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
      for (const service of services) expect(await stop(service)).toBe(0);
      const output = services.map((service) => service.output()).join('\n');
      expect(problems(output)).toEqual([]);
      expect(output).not.toMatch(/duplicate key|Retrying|Unable to connect/);
    } finally {
      await database.drop();
    }
  });

  describe('DATABASE_URL naming a database that does not exist', () => {
    let server: TestDatabase;
    const role = `payments_nocreate_${randomBytes(3).toString('hex')}`;

    beforeAll(async () => {
      server = await createTestDatabase();
      await query(server.url, `CREATE ROLE ${role} LOGIN PASSWORD 'nocreate' NOCREATEDB`);
    });
    afterAll(async () => {
      await server.drop();
      await query(server.url.replace(/\/[^/]*$/, '/postgres'), `DROP ROLE IF EXISTS ${role}`);
    });

    it('creates it when the role may, and starts', async () => {
      const name = `payments_created_${randomBytes(4).toString('hex')}`;
      const url = withDatabase(server.url, name);
      try {
        const service = await startService({ DATABASE_URL: url });
        await waitUntilReady(service);
        expect(await stop(service)).toBe(0);
        expect(service.output()).toContain(`created database \\"${name}\\"`);
        const tables = await query<{ n: number }>(
          url,
          `SELECT count(*)::int AS n FROM payment_migrations`,
        );
        expect(tables[0].n).toBe(MIGRATIONS.length);
      } finally {
        await query(
          withDatabase(server.url, 'postgres'),
          `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`,
        );
      }
    });

    it('exits 1 with one line naming the database when the role may not create it', async () => {
      const name = `payments_missing_${randomBytes(4).toString('hex')}`;
      const url = new URL(withDatabase(server.url, name));
      url.username = role;
      url.password = 'nocreate';
      const service = await startService({ DATABASE_URL: url.toString() });
      expect(await service.exited).toBe(1);
      const lines = service
        .output()
        .split('\n')
        .filter((line) => line.trim() !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`database "${name}" named by DATABASE_URL does not exist`);
      expect(lines[0]).toContain(`role "${role}" may not create it`);
      expect(service.output()).not.toMatch(/\n\s+at |Retrying/);
    });
  });

  describe('embedded PostgreSQL (no DATABASE_URL)', () => {
    let dataDir: string;

    beforeAll(() => {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payment-service-crash-'));
      fs.chmodSync(dataDir, 0o755);
    });
    afterAll(() => {
      // A failed test may leave the server running: stop it before removing its files.
      const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
      if (fs.existsSync(pidFile)) {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
        if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGINT');
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it('after SIGKILL of the service, the next start stops the orphaned server and finds the data intact', async () => {
      const first = await startService({ DATA_DIR: dataDir, LOG_LEVEL: 'debug' });
      await waitUntilReady(first);
      // The embedded server's own output came through the service logger: JSON lines, no colours.
      expect(first.output()).not.toContain('\u001b[');
      for (const line of first
        .output()
        .split('\n')
        .filter((l) => l.trim() !== '')) {
        expect(() => JSON.parse(line) as unknown).not.toThrow();
      }
      expect(first.output()).toMatch(/"context":"EmbeddedPostgres".*ready to accept connections/);

      const base = `http://127.0.0.1:${first.port}`;
      const created = (await (
        await fetch(`${base}/api/v1/payment/checkout`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            price_id: 'price_sandbox_onetime',
            mode: 'payment',
            customer_ref: 'user-crash',
          }),
        })
      ).json()) as { session_id: string };
      expect(created.session_id).toMatch(/^cs_/);

      const postmaster = Number(
        fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
      );
      first.child.kill('SIGKILL');
      await first.exited;
      // The crash left the server running on its own: the situation users met.
      expect(isAlive(postmaster)).toBe(true);

      const again = await startService({ DATA_DIR: dataDir });
      await waitUntilReady(again);
      expect(again.output()).toMatch(/stopping the embedded PostgreSQL \(pid \d+\) left running/);
      expect(isAlive(postmaster)).toBe(false);
      const againBase = `http://127.0.0.1:${again.port}`;
      const session = await fetch(`${againBase}/api/v1/payment/checkout/${created.session_id}`);
      expect(session.status).toBe(200);
      // The sandbox kept it too: its hosted page still knows the session.
      const page = await fetch(`${againBase}/sandbox/checkout/${created.session_id}`);
      expect(page.status).toBe(200);

      // While that service lives, a second one on the same DATA_DIR is still refused.
      const second = await startService({ DATA_DIR: dataDir });
      expect(await second.exited).toBe(1);
      expect(second.output()).toMatch(
        new RegExp(
          `is in use by another embedded PostgreSQL \\(pid \\d+\\) started by process ${again.child.pid}`,
        ),
      );
      expect(await stop(again)).toBe(0);
      expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    });
  });
});
