// The spike behind the engine choice (README "Durable events"): commit → handler latency of
// graphile-worker 0.16 and pg-boss 10 (the majors that run on Node 20), each enqueueing inside an
// open transaction as the outbox does. Not part of `npm run bench`: pg-boss is not a dependency.
//   cd $(mktemp -d) && npm i pg-boss@10.3.3 graphile-worker@0.16.6 pg@8.23.1
//   SPIKE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node /path/to/engine-latency.mjs
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
const require = createRequire(`${process.cwd()}/`);
const { Pool, Client } = require('pg');
const { run } = require('graphile-worker');
const PgBoss = require('pg-boss');

const ROUNDS = Number(process.env.SPIKE_ROUNDS ?? 30);
const admin = new URL(process.env.SPIKE_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const name = `engine_spike_${randomBytes(4).toString('hex')}`;
const url = new URL(admin);
url.pathname = `/${name}`;

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(label, enqueueInTx, waiters) {
  const pool = new Pool({ connectionString: url.toString() });
  const latencies = [];
  for (let i = 0; i < ROUNDS; i++) {
    await sleep(150 + Math.random() * 350); // idle worker, arbitrary phase against any poll
    const client = await pool.connect();
    await client.query('BEGIN');
    await enqueueInTx(client, i);
    await client.query('COMMIT');
    const committed = performance.now();
    client.release();
    latencies.push((await waiters.wait(i)) - committed);
  }
  await pool.end();
  process.stdout.write(
    `${label}: median ${median(latencies).toFixed(1)} ms, p95 ${p95(latencies).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (${ROUNDS} jobs)\n`,
  );
}

function waiterSet() {
  const pending = new Map();
  return {
    seen: (i) => {
      const at = performance.now();
      const entry = pending.get(i);
      if (entry) entry(at);
      else pending.set(i, at);
    },
    wait: (i) =>
      new Promise((resolve) => {
        const at = pending.get(i);
        if (typeof at === 'number') resolve(at);
        else pending.set(i, resolve);
      }),
  };
}

const c = new Client({ connectionString: admin.toString() });
await c.connect();
await c.query(`CREATE DATABASE ${name}`);
try {
  // graphile-worker: add_job() in the transaction; LISTEN/NOTIFY wakes the worker at commit.
  const gw = waiterSet();
  const gwPool = new Pool({ connectionString: url.toString() });
  const runner = await run({
    pgPool: gwPool,
    concurrency: 2,
    noHandleSignals: true,
    pollInterval: 2000,
    taskList: { spike: async (payload) => gw.seen(payload.i) },
    logger: new (require('graphile-worker').Logger)(() => () => {}),
  });
  await measure(
    'graphile-worker 0.16.6',
    (client, i) => client.query(`SELECT graphile_worker.add_job('spike', json_build_object('i', $1::int))`, [i]),
    gw,
  );
  await runner.stop();
  await gwPool.end();

  // pg-boss 10: send() with the transaction's client as its db; the worker polls (0.5 s minimum).
  const pb = waiterSet();
  const boss = new PgBoss({ connectionString: url.toString() });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('spike');
  await boss.work('spike', { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => pb.seen(job.data.i));
  await measure(
    'pg-boss 10.3.3 (pollingIntervalSeconds 0.5)',
    (client, i) =>
      boss.send('spike', { i }, { db: { executeSql: (text, values) => client.query(text, values) } }),
    pb,
  );
  await boss.stop({ graceful: false, wait: true });
} finally {
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.end();
}
