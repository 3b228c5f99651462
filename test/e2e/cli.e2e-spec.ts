import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { promisify } from 'node:util';
import { runCli } from '../../src/cli/run-cli';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

async function cli(argv: string[], env: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { out: (t) => out.push(t), err: (t) => err.push(t) },
    { LOG_LEVEL: 'silent', ...env },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('CLI', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('migrates a fresh database, then says it is up to date', async () => {
    const first = await cli(['migrate'], { DATABASE_URL: db.url });
    expect(first).toEqual({
      code: 0,
      out: [
        'applied InitialSchema1795755171368',
        'applied AddTransactionRequestFingerprint1795760117698',
        'applied IndexOrphanLinks1795760387564',
        'applied EventOutbox1795790000000',
        'applied ListIndexes1795977779566',
        'applied WebhookRejectedAndRawBody1795980774484',
        'applied Reconciliation1796000000000',
        'applied PendingProviderOperations1796100000000',
        'applied IndexOrphanRefundsByCharge1796200000000',
      ].join('\n'),
      err: '',
    });
    const second = await cli(['migrate'], { DATABASE_URL: db.url });
    expect(second.out).toBe('database is up to date');
  });

  it('finds no difference between the entities and the migrated schema (migration:generate --check)', async () => {
    const dataSource = path.join(ROOT, 'dist', 'src', 'database', 'data-source.js');
    const result = await run(
      process.execPath,
      [
        path.join(ROOT, 'node_modules', 'typeorm', 'cli.js'),
        'migration:generate',
        '--check',
        '-d',
        dataSource,
        'migrations/Unused',
      ],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: db.url },
      },
    );
    expect(result.stdout).toContain('No changes in database schema were found');
  });

  it('lists inbox rows as a table', async () => {
    const result = await cli(['webhooks', '--status', 'failed'], { DATABASE_URL: db.url });
    expect(result).toEqual({ code: 0, out: '(none)', err: '' });
  });

  it('explains a wrong flag value, prints the help and exits 2', async () => {
    const result = await cli(['webhooks', '--status', 'weird'], { DATABASE_URL: db.url });
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      "option '--status <status>' argument 'weird' is invalid. Allowed choices are received, processed, failed, ignored, rejected.",
    );
    expect(result.err).toContain('Usage: payments webhooks [options] [command]');
    expect(result.out).toBe('');
  });

  it('says which command is unknown, prints the usage of every command and exits 2', async () => {
    const result = await cli(['frobnicate'], { DATABASE_URL: db.url });
    expect(result.code).toBe(2);
    expect(result.err).toContain("error: unknown command 'frobnicate'");
    expect(result.err).toContain('payments webhooks replay <event-id>');
    expect(result.err).toContain(
      'payments refunds retry-pending [--older-than-minutes <n>] [--json]',
    );
  });

  it('refuses an unknown flag with the help text and exit 2, before touching the database', async () => {
    // An unreachable database: parsing fails first, so it is never contacted.
    const result = await cli(['transactions', '--stauts', 'failed'], {
      DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none',
    });
    expect(result.code).toBe(2);
    expect(result.err).toContain("error: unknown option '--stauts'");
    expect(result.err).toContain('Usage: payments transactions [options]');
    expect(result.err).toContain('--customer-ref <ref>');
  });

  it('refuses extra words after a command and an invalid --limit with exit 2', async () => {
    const extra = await cli(['webhooks', 'list'], { DATABASE_URL: db.url });
    expect(extra.code).toBe(2);
    expect(extra.err).toContain("too many arguments for 'webhooks'");
    const limit = await cli(['disputes', '--limit', '0'], { DATABASE_URL: db.url });
    expect(limit.code).toBe(2);
    expect(limit.err).toContain('--limit must be an integer from 1 to 1000');
  });

  it("prints package.json's version with --version, without configuration or database", async () => {
    const result = await cli(['--version'], { PAYMENT_PROVIDER: 'paypal' });
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(result).toEqual({ code: 0, out: pkg.version, err: '' });
  });

  it('prints the help on stdout and exits 0 with --help', async () => {
    const result = await cli(['--help'], {});
    expect(result.code).toBe(0);
    expect(result.out).toContain('Usage: payments [options] [command]');
    expect(result.out).toContain('payments disputes check-deadlines');
    const sub = await cli(['webhooks', 'replay', '--help'], {});
    expect(sub.code).toBe(0);
    expect(sub.out).toContain('Usage: payments webhooks replay [options] <event-id>');
  });

  it('prints machine-readable JSON with --json on every listing command', async () => {
    const env = { DATABASE_URL: db.url };
    const client = new Client({ connectionString: db.url });
    await client.connect();
    await client.query(
      `INSERT INTO payment_webhook_event (provider, provider_event_id, type, payload, status, attempts, occurred_at, last_error)
       VALUES ('sandbox', 'evt_cli_json', 'charge.refunded', '{}', 'failed', 2, now(), 'Error: boom')`,
    );
    await client.end();
    const webhooks = await cli(['webhooks', '--status', 'failed', '--json'], env);
    expect(webhooks.code).toBe(0);
    expect(JSON.parse(webhooks.out)).toEqual({
      webhook_events: [
        expect.objectContaining({
          provider_event_id: 'evt_cli_json',
          type: 'charge.refunded',
          status: 'failed',
          attempts: 2,
          last_error: 'Error: boom',
        }),
      ],
    });
    const listings: [string[], Record<string, unknown>][] = [
      [['transactions', '--type', 'refund'], { transactions: [], total: 0 }],
      [['subscriptions'], { subscriptions: [], total: 0 }],
      [['disputes', '--status', 'open'], { disputes: [] }],
      [['refunds', 'retry-pending'], { refunds: [] }],
      [
        ['refunds', 'settle'],
        {
          skipped: false,
          results: {
            refunds: [],
            subscriptions: [],
            checkout: { found: [], expired: [], failed: [] },
          },
        },
      ],
    ];
    for (const [argv, expected] of listings) {
      const result = await cli([...argv, '--json'], env);
      expect({ argv, code: result.code, json: JSON.parse(result.out) as unknown }).toEqual({
        argv,
        code: 0,
        json: expected,
      });
    }
  });

  it('runs as bin/payments.js with the exit codes of runCli (built code: npm run build)', async () => {
    const bin = path.join(ROOT, 'bin', 'payments.js');
    const version = await run(process.execPath, [bin, '--version'], { cwd: ROOT });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const failed = await run(process.execPath, [bin, 'webhooks', '--nope'], { cwd: ROOT }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("error: unknown option '--nope'");
    expect(failed.stderr).toContain('Usage: payments webhooks');
  });

  it('answers a replay of an unknown event with a one-line error', async () => {
    const result = await cli(['webhooks', 'replay', 'evt_missing'], { DATABASE_URL: db.url });
    expect(result).toEqual({ code: 1, out: '', err: 'Webhook event evt_missing not found' });
  });

  it('stops on invalid configuration naming the variable', async () => {
    const result = await cli(['webhooks'], { DATABASE_URL: db.url, PAYMENT_PROVIDER: 'paypal' });
    expect(result.code).toBe(1);
    expect(result.err).toContain('PAYMENT_PROVIDER must be one of');
  });
});
