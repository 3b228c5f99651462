/**
 * `npm run bench:seed`: a database full of rows for the list and deadline-job
 * benchmarks (DESIGN §6.0, issue 13) — by default 1,000,000 transactions,
 * 100,000 subscriptions and 200,000 disputes over two years, made by
 * generate_series in PostgreSQL (a minute or two), then VACUUM ANALYZE.
 *
 * BENCH_PG_URL  the server (default postgres://postgres@127.0.0.1:5432/postgres)
 * BENCH_DB      the database to (re)create (default payments_bench)
 * BENCH_TRANSACTIONS / BENCH_SUBSCRIPTIONS / BENCH_DISPUTES   row counts
 */
import { createDatabase, migrate, withClient } from './lib/util';

export const SERVER_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const BENCH_DB = process.env.BENCH_DB ?? 'payments_bench';

const TRANSACTIONS = Number(process.env.BENCH_TRANSACTIONS ?? 1_000_000);
const SUBSCRIPTIONS = Number(process.env.BENCH_SUBSCRIPTIONS ?? 100_000);
const DISPUTES = Number(process.env.BENCH_DISPUTES ?? 200_000);
/** Customers; refs are skewed (random()^2): the busiest has ~0.45% of all rows, most have a few. */
const CUSTOMERS = 50_000;

/** Picks from `values` by cumulative weights for a random number `r` in [0,1). */
function pick(r: string, values: [string, number][]): string {
  let sum = 0;
  const total = values.reduce((s, [, w]) => s + w, 0);
  const arms = values.map(([value, weight]) => {
    sum += weight;
    return `WHEN ${r} < ${(sum / total).toFixed(6)} THEN '${value}'`;
  });
  return `CASE ${arms.join(' ')} ELSE '${values[values.length - 1][0]}' END`;
}

const CUSTOMER_REF = (r: string): string =>
  `'cus-' || lpad(floor(${CUSTOMERS} * ${r} * ${r})::int::text, 5, '0')`;

/** Rows are created in id order over two years, a little jitter so that times interleave. */
const CREATED = (i: string, n: number): string =>
  `now() - interval '730 days' * (1 - ${i}::float8 / ${n}) + interval '1 second' * (r.jitter - 0.5)`;

export async function seed(url: string): Promise<void> {
  await withClient(url, async (db) => {
    const step = async (label: string, sql: string): Promise<void> => {
      const start = Date.now();
      await db.query(sql);
      process.stdout.write(`  ${label}: ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
    };
    await db.query('SELECT setseed(0.13)');
    await step(
      `${SUBSCRIPTIONS} subscriptions`,
      `INSERT INTO payment_subscription (created_at, updated_at, provider, provider_subscription_id,
         provider_customer_id, customer_ref, price_id, plan_name, status, current_period_start, current_period_end)
       SELECT c, c, 'stripe', 'sub_bench_' || i, 'cus_bench_' || i, ${CUSTOMER_REF('r.cust')},
              'price_bench_monthly', 'Pro', ${pick('r.st', [
                ['active', 70],
                ['canceled', 15],
                ['past_due', 5],
                ['trialing', 5],
                ['incomplete', 2],
                ['unpaid', 1],
                ['incomplete_expired', 1],
                ['paused', 1],
              ])}, c, c + interval '30 days'
       FROM (SELECT i, random() AS cust, random() AS st, random() AS jitter FROM generate_series(1, ${SUBSCRIPTIONS}) AS i) AS r,
            LATERAL (SELECT ${CREATED('i', SUBSCRIPTIONS)} AS c) AS t`,
    );
    await step(
      `${TRANSACTIONS} transactions`,
      `INSERT INTO payment_transaction (created_at, updated_at, provider, type, status, amount, amount_refunded,
         currency, description, customer_ref, provider_payment_intent_id, provider_charge_id, provider_refund_id)
       SELECT c, c, 'stripe', ty,
              CASE WHEN ty = 'refund' THEN ${pick('r.st', [
                ['succeeded', 95],
                ['pending', 3],
                ['failed', 2],
              ])} ELSE ${pick('r.st', [
                ['succeeded', 85],
                ['failed', 7],
                ['refunded', 3],
                ['partially_refunded', 2],
                ['pending', 2],
                ['canceled', 1],
              ])} END,
              500 + floor(r.amt * 20000)::int, 0,
              CASE WHEN r.amt < 0.7 THEN 'usd' ELSE 'eur' END, 'Order ' || i,
              CASE WHEN r.has_ref < 0.85 THEN ${CUSTOMER_REF('r.cust')} END,
              CASE WHEN ty = 'charge' THEN 'pi_bench_' || i END,
              CASE WHEN ty = 'charge' THEN 'ch_bench_' || i END,
              CASE WHEN ty = 'refund' THEN 're_bench_' || i END
       FROM (SELECT i, random() AS cust, random() AS has_ref, random() AS st, random() AS amt,
                    random() AS jitter, random() AS kind
             FROM generate_series(1, ${TRANSACTIONS}) AS i) AS r,
            LATERAL (SELECT ${CREATED('i', TRANSACTIONS)} AS c,
                            CASE WHEN r.kind < 0.92 THEN 'charge' ELSE 'refund' END AS ty) AS t`,
    );
    // Disputes: a chargeback answers within 21 days; one still needing a response
    // whose deadline passed more than a day ago was flagged by an earlier job run,
    // so only the last day's are due (what the job finds on a normal run).
    await step(
      `${DISPUTES} disputes`,
      `INSERT INTO payment_dispute (created_at, updated_at, provider, provider_dispute_id, kind, transaction_id,
         provider_charge_id, status, provider_status, reason, amount, currency, evidence_due_by, deadline_flagged_at)
       SELECT c, c, 'stripe', 'dp_bench_' || i,
              CASE WHEN st IN ('prevented') THEN 'fraud_warning' ELSE 'chargeback' END,
              tx, 'ch_bench_' || tx, st,
              CASE st WHEN 'warning_issued' THEN 'warning_needs_response' WHEN 'warning_closed' THEN 'warning_closed'
                      WHEN 'prevented' THEN 'fraudulent' ELSE st END,
              'fraudulent', 500 + floor(r.amt * 20000)::int, 'usd',
              due,
              CASE WHEN st IN ('needs_response', 'warning_issued') AND due < now() - interval '1 day' THEN due END
       FROM (SELECT i, random() AS st_r, random() AS amt, random() AS jitter,
                    1 + floor(random() * ${TRANSACTIONS})::int AS tx
             FROM generate_series(1, ${DISPUTES}) AS i) AS r,
            LATERAL (SELECT ${CREATED('i', DISPUTES)} AS c,
                            ${pick('r.st_r', [
                              ['won', 35],
                              ['lost', 30],
                              ['under_review', 8],
                              ['needs_response', 7],
                              ['warning_issued', 5],
                              ['charge_refunded', 5],
                              ['warning_closed', 7],
                              ['prevented', 3],
                            ])} AS st) AS t,
            LATERAL (SELECT CASE WHEN st = 'prevented' THEN NULL ELSE c + interval '21 days' END AS due) AS d`,
    );
    await step('VACUUM ANALYZE', 'VACUUM ANALYZE');
  });
}

async function main(): Promise<void> {
  const start = Date.now();
  const url = await createDatabase(SERVER_URL, BENCH_DB);
  process.stdout.write(`seeding ${url}\n`);
  await migrate(url);
  await seed(url);
  process.stdout.write(`seeded in ${((Date.now() - start) / 1000).toFixed(1)} s\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
