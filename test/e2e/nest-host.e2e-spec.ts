/**
 * The service as a library in someone else's Nest app (issue 16): examples/nest-host
 * installs the service as a packed tarball (`npm pack`, what a registry or a git
 * install delivers) beside a Nest version other than the one the service develops
 * against, mounts PaymentModule.forRootAsync on its own TypeORM data source under
 * `app.setGlobalPrefix('api')` + route prefix `payments`, and is driven over HTTP:
 * a sandbox checkout paid through the host's prefix reaches the host's typed durable
 * listener (a row in the host's table), a refund goes through the host's controller
 * calling RefundsService, and each side keeps its own errors and access rules.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'nest-host');
const API_KEY = 'host-test-key';

/** The service's own Nest version (devDependencies) and the example's: they must differ. */
const nestVersion = (packageJson: string): string =>
  (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;

describe('PaymentModule inside a Nest app of its own (examples/nest-host, installed from npm pack)', () => {
  let work: string;
  let host: string;
  let database: TestDatabase;
  let child: ChildProcess | undefined;
  let output = '';
  let base: string;

  const api = (route: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${route}`, { redirect: 'manual', ...init });
  const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const withKey = { authorization: `Bearer ${API_KEY}` };

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist', 'src', 'index.js')))
      throw new Error('dist/ is missing: run `npm run build` (npm test does it in pretest)');
    work = mkdtempSync(path.join(os.tmpdir(), 'nest-host-'));
    host = path.join(work, 'host');
    // The tarball a registry or git install would deliver (dist is already built).
    const { stdout } = await run(
      'npm',
      ['pack', '--ignore-scripts', '--json', '--pack-destination', work],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    const [{ filename }] = JSON.parse(stdout) as { filename: string }[];
    cpSync(EXAMPLE, host, {
      recursive: true,
      filter: (source) => !/[\\/](node_modules|dist)$/.test(source),
    });
    cpSync(path.join(work, filename), path.join(host, 'payment-service.tgz'));
    // The lock pins the example's own dependencies; the service must come from this tarball,
    // never from npm's cache of an earlier one with the same name (no integrity pinned for it).
    const lockFile = path.join(host, 'package-lock.json');
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as {
      packages: Record<string, unknown>;
    };
    delete lock.packages['node_modules/payment-service'];
    writeFileSync(lockFile, JSON.stringify(lock, null, 2));
    // The example's lock pins its own Nest; the tarball is the one just packed.
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--ignore-scripts',
        '--loglevel=error',
      ],
      { cwd: host, maxBuffer: 64 * 1024 * 1024 },
    );
    await run(
      process.execPath,
      [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
      {
        cwd: host,
      },
    );

    database = await createTestDatabase();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['dist/main.js'], {
      cwd: host,
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: database.url,
        PUBLIC_URL: base,
        PORT: String(port),
        PAYMENT_API_KEYS: API_KEY,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', resolve));
    const listening = new Promise<void>((resolve) => {
      const check = () => (output.includes('nest-host listening') ? resolve() : undefined);
      child!.stdout?.on('data', check);
    });
    // The host prints its line once listening (after migrations); it exits on a failed boot.
    const outcome = await Promise.race([listening.then(() => 'up'), exited.then(() => 'exited')]);
    if (outcome !== 'up') throw new Error(`the host app exited:\n${output}`);
  }, 600_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await database?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('runs on a Nest version other than the service’s own, with one copy of Nest', () => {
    const hostNest = nestVersion(
      path.join(host, 'node_modules', '@nestjs', 'core', 'package.json'),
    );
    const ownNest = nestVersion(path.join(ROOT, 'node_modules', '@nestjs', 'core', 'package.json'));
    expect(hostNest).not.toBe(ownNest);
    // Peer dependencies: the service uses the host's Nest and TypeORM, no copy of its own.
    const nested = path.join(host, 'node_modules', 'payment-service', 'node_modules');
    for (const name of ['@nestjs/core', '@nestjs/common', 'typeorm', '@nestjs/typeorm'])
      expect(existsSync(path.join(nested, name))).toBe(false);
    // The build under test, not an older one.
    const installed = path.join(
      host,
      'node_modules',
      'payment-service',
      'dist',
      'src',
      'payment.module.js',
    );
    expect(readFileSync(installed, 'utf8')).toBe(
      readFileSync(path.join(ROOT, 'dist', 'src', 'payment.module.js'), 'utf8'),
    );
  });

  it('pays a sandbox checkout through the host’s prefix; the host’s typed listener writes its own table', async () => {
    const created = await api(
      '/api/payments/api/v1/payment/checkout',
      json(
        { price_id: 'price_sandbox_onetime', mode: 'payment', customer_ref: 'user_42' },
        withKey,
      ),
    );
    expect(created.status).toBe(201);
    const { session_id, checkout_url } = (await created.json()) as {
      session_id: string;
      checkout_url: string;
    };
    // The URLs the service builds honour the host's prefixes.
    expect(checkout_url).toBe(`${base}/api/payments/sandbox/checkout/${session_id}`);
    const page = await api(new URL(checkout_url).pathname);
    expect(page.status).toBe(200);
    const action = /action="([^"]+\/pay)"/.exec(await page.text())?.[1];
    expect(action).toBeDefined();
    const paid = await api(new URL(action!, checkout_url).pathname, { method: 'POST' });
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(
      `${base}/api/payments/payment/success?session_id=${session_id}`,
    );

    // The sandbox posts its signed webhook to the mounted route (raw body from rawBody: true);
    // the durable listener runs after commit: poll the host's table.
    let orders: { customerRef: string; checkoutSessionId: string; amount: number }[] = [];
    for (let i = 0; i < 200 && orders.length === 0; i++) {
      orders = (await (await api('/api/orders')).json()) as typeof orders;
      if (orders.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(orders).toEqual([
      expect.objectContaining({
        customerRef: 'user_42',
        checkoutSessionId: session_id,
        amount: 2900,
      }),
    ]);

    // One database: the service's tables beside the host's, each with its own migrations table.
    const client = new Client({ connectionString: database.url });
    await client.connect();
    try {
      const tables = (
        await client.query<{ tablename: string }>(
          `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`,
        )
      ).rows.map((row) => row.tablename);
      expect(tables).toEqual(
        expect.arrayContaining([
          'shop_order',
          'migrations',
          'payment_migrations',
          'payment_transaction',
        ]),
      );
      const charge = await client.query<{ status: string; customer_ref: string }>(
        `SELECT status, customer_ref FROM payment_transaction WHERE type = 'charge'`,
      );
      expect(charge.rows).toEqual([{ status: 'succeeded', customer_ref: 'user_42' }]);
    } finally {
      await client.end();
    }
  });

  it('refunds through the host’s own controller calling RefundsService', async () => {
    const list = (await (
      await api('/api/payments/api/v1/payment/transactions?type=charge', { headers: withKey })
    ).json()) as { transactions: { id: number; amount: number }[] };
    const [charge] = list.transactions;
    expect(charge.amount).toBe(2900);
    const refunded = await api(
      '/api/orders/refunds',
      json({ transactionId: charge.id, amount: 500 }),
    );
    expect(refunded.status).toBe(201);
    expect(await refunded.json()).toEqual({
      refundId: expect.any(Number),
      status: 'succeeded',
      amount: 500,
    });
    const after = (await (
      await api(`/api/payments/api/v1/payment/transactions/${charge.id}`, { headers: withKey })
    ).json()) as { amount_refunded: number; status: string };
    expect(after).toMatchObject({ amount_refunded: 500, status: 'partially_refunded' });
  });

  it('keeps each side’s errors and access rules to itself', async () => {
    // The host's routes: its own error format, no API key asked.
    const missing = await api('/api/orders/999');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      ok: false,
      problem: { status: 404, reason: 'order 999 not found' },
    });
    const invalid = await api('/api/orders/refunds', json({}));
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({
      ok: false,
      problem: { status: 400, reason: 'transactionId (a number) is required' },
    });

    // The service's routes: its API key and its §9 error body, not the host's filter.
    const keyless = await api('/api/payments/api/v1/payment/transactions');
    expect(keyless.status).toBe(401);
    expect(await keyless.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    const badId = await api('/api/payments/api/v1/payment/transactions/abc', { headers: withKey });
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      details: { fields: { id: [expect.any(String)] } },
    });
    // Public routes of the service stay public under the prefixes.
    expect((await api('/api/payments/health/ready')).status).toBe(200);
    // Route groups the host turned off are not mounted (home, metrics).
    expect((await api('/api/payments/metrics', { headers: withKey })).status).toBe(404);
  });
});
