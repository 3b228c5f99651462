import { execFile } from 'node:child_process';
import * as path from 'node:path';
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
        'applied ListIndexes1795977779566',
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

  it('explains a wrong flag value and exits 2', async () => {
    const result = await cli(['webhooks', '--status', 'weird'], { DATABASE_URL: db.url });
    expect(result.code).toBe(2);
    expect(result.err).toContain('--status must be one of received, processed, failed, ignored');
  });

  it('says which command is unknown and prints the usage', async () => {
    const result = await cli(['frobnicate'], { DATABASE_URL: db.url });
    expect(result.code).toBe(2);
    expect(result.err).toContain('unknown command "frobnicate"');
    expect(result.err).toContain('webhooks replay <event id>');
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
