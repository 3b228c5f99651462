/**
 * `npm run bench:lists`: p50/p99 of every list + filter combination over HTTP
 * against the real app (`node dist/src/main.js`) on the database `npm run bench:seed`
 * filled, and EXPLAIN ANALYZE of the dispute deadline job's statements.
 *
 * Each combination: 20 warm-up calls, then BENCH_LIST_CALLS (200) one after
 * another — a quarter first pages, half `starting_after` a random row, a quarter
 * `ending_before` a random row, `limit` 20. Deep `page=` (OFFSET) and
 * `include=total` are measured apart: they cost a scan by nature and are only
 * paid by callers who ask for them.
 *
 * BENCH_PG_URL / BENCH_DB as for bench:seed; BENCH_DROP=1 drops the database after.
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  ROOT,
  databaseUrl,
  dropDatabase,
  fmt,
  machine,
  percentile,
  stop,
  waitFor200,
  withClient,
} from './lib/util';

const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BENCH_DB = process.env.BENCH_DB ?? 'payments_bench';
const CALLS = Number(process.env.BENCH_LIST_CALLS ?? 200);
const WARMUP = 20;
const API_KEY = 'bench-list-key';

interface Case {
  list: 'transactions' | 'subscriptions' | 'disputes';
  query: Record<string, string>;
  /** Cursor calls (starting_after / ending_before) mixed in, as described above. */
  cursors: boolean;
}

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
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

async function main(): Promise<void> {
  const url = databaseUrl(SERVER_URL, BENCH_DB);
  const info = await withClient(url, async (db) => {
    const count = async (table: string): Promise<number> =>
      Number((await db.query(`SELECT max(id) AS n FROM ${table}`)).rows[0].n);
    const heavy = (
      await db.query(
        `SELECT customer_ref, count(*)::int AS n FROM payment_transaction WHERE customer_ref IS NOT NULL
         GROUP BY customer_ref ORDER BY n DESC LIMIT 1`,
      )
    ).rows[0] as { customer_ref: string; n: number };
    const typical = (
      await db.query(
        `SELECT customer_ref, count(*)::int AS n FROM payment_transaction WHERE customer_ref IS NOT NULL
         GROUP BY customer_ref HAVING count(*) BETWEEN 10 AND 30 LIMIT 1`,
      )
    ).rows[0] as { customer_ref: string; n: number };
    const subCustomer = (
      await db.query(
        `SELECT customer_ref, count(*)::int AS n FROM payment_subscription WHERE customer_ref IS NOT NULL
         GROUP BY customer_ref ORDER BY n DESC LIMIT 1`,
      )
    ).rows[0] as { customer_ref: string; n: number };
    return {
      transactions: await count('payment_transaction'),
      subscriptions: await count('payment_subscription'),
      disputes: await count('payment_dispute'),
      heavy,
      typical,
      subCustomer,
    };
  });
  process.stdout.write(
    `rows: ${info.transactions} transactions, ${info.subscriptions} subscriptions, ${info.disputes} disputes; ` +
      `busiest customer ${info.heavy.customer_ref} (${info.heavy.n} transactions), typical ${info.typical.customer_ref} (${info.typical.n})\n`,
  );

  const port = await freePort();
  const app = spawn(process.execPath, [path.join(ROOT, 'dist/src/main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'development',
      PORT: String(port),
      DATABASE_URL: url,
      PAYMENT_PROVIDER: 'sandbox',
      API_KEYS: API_KEY,
      LOG_LEVEL: 'warn',
      DISPUTE_DEADLINE_CRON: 'off',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const cases: Case[] = [];
  try {
    await waitFor200(`${base}/health/ready`);
    const heavy = info.heavy.customer_ref;
    const typical = info.typical.customer_ref;
    type Q = Record<string, string>;
    cases.push(
      ...(
        [
          {},
          { status: 'succeeded' },
          { status: 'canceled' },
          { type: 'charge' },
          { type: 'refund' },
          { status: 'failed', type: 'refund' },
          { status: 'refunded', type: 'refund' },
          { customer_ref: typical },
          { customer_ref: heavy },
          { customer_ref: heavy, status: 'canceled' },
          { customer_ref: heavy, type: 'refund' },
          { customer_ref: heavy, type: 'refund', status: 'failed' },
          { customer_ref: 'cus-nobody' },
        ] as Q[]
      ).map((query) => ({ list: 'transactions' as const, query, cursors: true })),
      ...(
        [
          {},
          { status: 'active' },
          { status: 'paused' },
          { customer_ref: info.subCustomer.customer_ref },
          { customer_ref: info.subCustomer.customer_ref, status: 'past_due' },
        ] as Q[]
      ).map((query) => ({ list: 'subscriptions' as const, query, cursors: true })),
      ...(
        [
          {},
          { status: 'open' },
          { status: 'won' },
          { status: 'needs_response' },
          { status: 'prevented' },
        ] as Q[]
      ).map((query) => ({ list: 'disputes' as const, query, cursors: true })),
      // Asked-for costs, apart.
      { list: 'transactions', query: { page: '2' }, cursors: false },
      { list: 'transactions', query: { page: '40000' }, cursors: false },
      { list: 'transactions', query: { status: 'succeeded', page: '40000' }, cursors: false },
      { list: 'transactions', query: { include: 'total' }, cursors: false },
      { list: 'transactions', query: { status: 'failed', include: 'total' }, cursors: false },
      { list: 'disputes', query: { status: 'open', include: 'total' }, cursors: false },
    );

    const rows: string[] = [];
    let random = 42;
    const nextRandom = (): number => {
      random = (random * 1103515245 + 12345) % 2 ** 31;
      return random / 2 ** 31;
    };
    for (const c of cases) {
      const max = info[c.list];
      const call = async (k: number): Promise<number> => {
        const query = new URLSearchParams(c.query);
        if (c.cursors) {
          const id = String(1 + Math.floor(nextRandom() * max));
          if (k % 4 === 1 || k % 4 === 2) query.set('starting_after', id);
          else if (k % 4 === 3) query.set('ending_before', id);
        }
        const start = performance.now();
        const res = await fetch(`${base}/api/v1/payment/${c.list}?${query.toString()}`, {
          headers: { authorization: `Bearer ${API_KEY}` },
        });
        await res.arrayBuffer();
        const ms = performance.now() - start;
        if (res.status !== 200)
          throw new Error(`${c.list}?${query.toString()} answered ${res.status}`);
        return ms;
      };
      const calls = c.cursors ? CALLS : Math.min(CALLS, 50);
      for (let k = 0; k < WARMUP; k++) await call(k);
      const times: number[] = [];
      for (let k = 0; k < calls; k++) times.push(await call(k));
      times.sort((a, b) => a - b);
      const label = `${c.list}${Object.keys(c.query).length ? '?' + new URLSearchParams(c.query).toString() : ''}`;
      const row = `| ${label} | ${c.cursors ? 'first page / cursors' : 'as given'} | ${calls} | ${fmt(percentile(times, 50))} | ${fmt(percentile(times, 99))} | ${fmt(times[times.length - 1])} |`;
      rows.push(row);
      process.stdout.write(`${row}\n`);
    }
    process.stdout.write(
      `\n## Lists at scale (${new Date().toISOString().slice(0, 10)}; ${machine()})\n\n` +
        `| call | paging | calls | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
    );
  } finally {
    await stop(app);
  }

  // What PostgreSQL does for each cursor call (the SQL the app sends, at a cursor in the
  // middle of the table): the index it scans, the buffers and the execution time.
  await withClient(url, async (db) => {
    const planRows: string[] = [];
    for (const c of cases.filter((x) => x.cursors)) {
      const table = `payment_${c.list.replace(/s$/, '')}`;
      const params: unknown[] = [];
      const where = Object.entries(c.query).map(([key, value]) => {
        if (key === 'status' && value === 'open')
          return `t.status IN ('warning_issued', 'needs_response', 'under_review')`;
        params.push(value);
        return `t.${key} = $${params.length}`;
      });
      params.push(Math.floor(info[c.list] / 2));
      where.push(
        `(t.created_at, t.id) < (SELECT c.created_at, c.id FROM ${table} c WHERE c.id = $${params.length})`,
      );
      const sql = `SELECT * FROM ${table} t WHERE ${where.join(' AND ')} ORDER BY t.created_at DESC, t.id DESC LIMIT 21`;
      const [{ 'QUERY PLAN': plan }] = (
        await db.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params)
      ).rows as { 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }[];
      const indexes = new Set<string>();
      const nodes = new Set<string>();
      const walk = (node: PlanNode): void => {
        nodes.add(node['Node Type']);
        if (node['Index Name']) indexes.add(node['Index Name']);
        node.Plans?.forEach(walk);
      };
      walk(plan[0].Plan);
      const buffers =
        (plan[0].Plan['Shared Hit Blocks'] ?? 0) + (plan[0].Plan['Shared Read Blocks'] ?? 0);
      const label = `${c.list}${Object.keys(c.query).length ? '?' + new URLSearchParams(c.query).toString() : ''}`;
      planRows.push(
        `| ${label} | ${[...indexes].join(', ')} | ${nodes.has('Sort') ? 'yes' : 'no'} | ${buffers} | ${fmt(plan[0]['Execution Time'], 2)} |`,
      );
    }
    process.stdout.write(
      `\n### The plan of each cursor call (starting_after the middle row; EXPLAIN ANALYZE)\n\n` +
        `| call | indexes scanned | sort | buffers | execution ms |\n|---|---|---|---|---|\n${planRows.join('\n')}\n`,
    );
  });

  // The deadline job: what it reads is the partial index of disputes awaiting a response.
  const job = (await import(
    pathToFileURL(path.join(ROOT, 'dist/src/disputes/dispute-deadline.job.js')).href
  )) as { DEADLINE_JOB_SQL: { flag: string; warn: string } };
  await withClient(url, async (db) => {
    const awaiting = (
      await db.query(
        `SELECT count(*)::int AS n FROM payment_dispute WHERE evidence_due_by IS NOT NULL AND deadline_flagged_at IS NULL
         AND provider_status IN ('needs_response', 'warning_needs_response', 'appeal_needs_response')`,
      )
    ).rows[0].n as number;
    process.stdout.write(
      `\n## Dispute deadline job on ${info.disputes} disputes (${awaiting} awaiting a response)\n`,
    );
    const now = new Date();
    const warnUntil = new Date(now.getTime() + 72 * 3600_000);
    for (const [name, sql, params] of [
      ['flag (deadline passed)', job.DEADLINE_JOB_SQL.flag, [now, 100]],
      ['warn (deadline within 72 h)', job.DEADLINE_JOB_SQL.warn, [now, 100, warnUntil]],
    ] as const) {
      await db.query('BEGIN');
      try {
        const plan = await db.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, [...params]);
        process.stdout.write(
          `\n### ${name}\n\n\`\`\`\n${plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n')}\n\`\`\`\n`,
        );
      } finally {
        await db.query('ROLLBACK');
      }
    }
  });
  if (process.env.BENCH_DROP === '1') await dropDatabase(SERVER_URL, BENCH_DB);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
