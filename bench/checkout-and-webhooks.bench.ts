/**
 * Throughput and memory of the two hot paths, printed as figures (no timing
 * assertions: this machine is shared and noisy). Run: `npm run bench:app`
 * (embedded PostgreSQL) or `TEST_DATABASE_URL=postgres://… npm run bench:app`.
 *
 * 1. Checkouts paid end to end on the sandbox: POST /checkout, then Pay, which
 *    delivers payment_intent.succeeded + checkout.session.completed through the
 *    signed webhook route and the inbox before it redirects.
 * 2. Webhook ingestion: distinct signed dispute events, then a duplicate storm
 *    (one event delivered many times at once).
 */
import { Injectable, Module } from '@nestjs/common';
import type { DisputeCreatedEvent } from '../src/disputes/disputes.events';
import { OnPaymentEvent } from '../src/events/on-payment-event.decorator';
import { PaymentEvents } from '../src/events/payment-events';
import { waitForPaymentEvents } from '../src/events/wait-for-payment-events';
import { signSandboxPayload } from '../src/payment-provider/sandbox/sandbox-signature';
import { createTestApp, type TestApp } from '../test/support/test-app';

const CHECKOUTS = Number(process.env.BENCH_CHECKOUTS ?? 200);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const DUPLICATES = Number(process.env.BENCH_DUPLICATES ?? 100);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
/** Durable listeners registered on the benchmarked events (0 = only the service's own). */
const DURABLE_LISTENERS = Number(process.env.BENCH_DURABLE_LISTENERS ?? 2);

let heard = 0;

/** Two trivial durable listeners, as an app would register (each gets its own delivery). */
@Injectable()
class BenchListeners {
  @OnPaymentEvent(PaymentEvents.DISPUTE_CREATED)
  first(event: DisputeCreatedEvent): void {
    if (event.dispute.id) heard++;
  }

  @OnPaymentEvent(PaymentEvents.DISPUTE_CREATED)
  second(event: DisputeCreatedEvent): void {
    if (event.dispute.id) heard++;
  }
}

@Module({ providers: [BenchListeners] })
class BenchListenersModule {}

async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function report(name: string, latencies: number[], wallMs: number): void {
  const sorted = [...latencies].sort((a, b) => a - b);
  const rate = (latencies.length / wallMs) * 1000;
  process.stdout.write(
    `${name}: ${latencies.length} in ${wallMs.toFixed(0)} ms = ${rate.toFixed(1)}/s; ` +
      `p50 ${percentile(sorted, 50).toFixed(1)} ms, p95 ${percentile(sorted, 95).toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms\n`,
  );
}

const rssMb = () => (process.memoryUsage().rss / 1024 / 1024).toFixed(0);

async function post(
  t: TestApp,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<Response> {
  return fetch(`${t.baseUrl}${path}`, { method: 'POST', body, headers, redirect: 'manual' });
}

function disputeEvent(i: number): string {
  const created = Math.floor(Date.now() / 1000);
  return JSON.stringify({
    id: `evt_bench_${i}`,
    object: 'event',
    type: 'charge.dispute.created',
    created,
    data: {
      object: {
        id: `dp_bench_${i}`,
        object: 'dispute',
        created,
        amount: 2900,
        currency: 'usd',
        charge: `ch_bench_${i}`,
        payment_intent: `pi_bench_${i}`,
        status: 'needs_response',
        reason: 'fraudulent',
        evidence_details: {
          due_by: created + 7 * 86400,
          has_evidence: false,
          past_due: false,
          submission_count: 0,
        },
        is_charge_refundable: false,
      },
    },
  });
}

describe('benchmark', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(
      // BENCH_EVENT_WORKER=false: ingestion alone, deliveries left undelivered (the write path's cost).
      {
        EVENT_WORKER: process.env.BENCH_EVENT_WORKER ?? 'true',
        EVENT_WORKER_CONCURRENCY: process.env.BENCH_EVENT_WORKER_CONCURRENCY ?? '4',
      },
      { imports: DURABLE_LISTENERS > 0 ? [BenchListenersModule] : [] },
    );
  });
  afterAll(() => t.close());

  it('pays checkouts end to end on the sandbox', async () => {
    process.stdout.write(`\nRSS before: ${rssMb()} MB (concurrency ${CONCURRENCY})\n`);
    const started = performance.now();
    const latencies = await pool(CHECKOUTS, CONCURRENCY, async () => {
      const t0 = performance.now();
      const created = await post(
        t,
        '/api/v1/payment/checkout',
        JSON.stringify({ price_id: 'price_sandbox_onetime', mode: 'payment' }),
        {
          'Content-Type': 'application/json',
        },
      );
      const { session_id: sessionId } = (await created.json()) as { session_id: string };
      const paid = await post(t, `/sandbox/checkout/${sessionId}/pay`, '', {});
      if (paid.status !== 303) throw new Error(`pay answered ${paid.status}`);
      return performance.now() - t0;
    });
    report('checkout + pay + 2 webhooks', latencies, performance.now() - started);
    const [{ n }] = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM payment_transaction WHERE status = 'succeeded'`,
    );
    expect(n).toBe(CHECKOUTS);
    process.stdout.write(`RSS after checkouts: ${rssMb()} MB\n`);
  });

  it('ingests distinct webhook events and absorbs a duplicate storm', async () => {
    const secret = t.config.sandbox.webhookSecret;
    const deliver = async (body: string) => {
      const t0 = performance.now();
      const response = await post(t, '/api/v1/payment/webhook', body, {
        'Content-Type': 'application/json',
        'sandbox-signature': signSandboxPayload(body, secret),
      });
      if (response.status !== 200)
        throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
      return performance.now() - t0;
    };
    process.stdout.write(
      `durable listeners registered by the bench: ${DURABLE_LISTENERS ? 2 : 0}\n`,
    );
    let started = performance.now();
    const distinct = await pool(EVENTS, CONCURRENCY, (i) => deliver(disputeEvent(i)));
    report('distinct webhook events', distinct, performance.now() - started);
    // Deliveries run on the job engine, after the answers: how long until all are delivered.
    if (t.config.events.worker) await waitForPaymentEvents(t.app, { timeoutMs: 600_000 });
    const deliveries = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM payment_event_delivery WHERE status = 'delivered'`,
    );
    process.stdout.write(
      `all durable deliveries done ${(performance.now() - started).toFixed(0)} ms after the first webhook ` +
        `(${deliveries[0].n} deliveries, ${heard} to the bench listeners)\n`,
    );
    if (DURABLE_LISTENERS > 0 && t.config.events.worker) expect(heard).toBe(EVENTS * 2);

    const one = disputeEvent(EVENTS + 1);
    started = performance.now();
    const storm = await pool(DUPLICATES, DUPLICATES, () => deliver(one));
    report(`one event delivered ${DUPLICATES} times at once`, storm, performance.now() - started);

    const [{ n }] = await t.dataSource.query(`SELECT count(*)::int AS n FROM payment_dispute`);
    expect(n).toBe(EVENTS + 1);
    process.stdout.write(`RSS after webhooks: ${rssMb()} MB\n`);
  });
});
