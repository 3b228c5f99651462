import { Injectable, Module } from '@nestjs/common';
import Stripe from 'stripe';
import { runCli } from '../../src/cli/run-cli';
import { DisputeDeadlineJob } from '../../src/disputes/dispute-deadline.job';
import type {
  DisputeCreatedEvent,
  DisputeDeadlinePassedEvent,
  DisputeUpdatedEvent,
  FraudWarningCreatedEvent,
} from '../../src/disputes/disputes.events';
import { EventDelivery } from '../../src/events/event-delivery';
import { EventsService } from '../../src/events/events.service';
import { OnPaymentEvent } from '../../src/events/on-payment-event.decorator';
import { PaymentEvents } from '../../src/events/payment-events';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { STRIPE_FIXTURE_TIME, stripeEvent, stripeObject } from '../fixtures/stripe/events';
import { createTestApp, type TestApp } from '../support/test-app';

const SECRET = 'whsec_test';
const ENV = {
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: 'sk_test_x',
  STRIPE_WEBHOOK_SECRET: SECRET,
  STRIPE_API_BASE: 'http://127.0.0.1:9',
  EVENT_RETRY_BASE_MS: '20',
  EVENT_MAX_ATTEMPTS: '3',
};

let seq = 0;
const unique = (prefix: string) => `${prefix}_dur${Date.now().toString(36)}${(seq++).toString(36)}`;

/** What the test listeners do, per dispute id: 'ok', fail N times, fail always, sleep. */
const behaviour = new Map<string, { failTimes?: number; sleepMs?: number }>();
const calls: { listener: string; name: string; disputeId: string; at: number }[] = [];
const callsOf = (listener: string, disputeId: string) =>
  calls.filter((c) => c.listener === listener && c.disputeId === disputeId);

async function act(listener: string, name: string, disputeId: string): Promise<void> {
  const before = callsOf(listener, disputeId).length;
  calls.push({ listener, name, disputeId, at: Date.now() });
  const plan = behaviour.get(disputeId) ?? {};
  if (plan.sleepMs) await new Promise((resolve) => setTimeout(resolve, plan.sleepMs));
  if (listener === 'flaky' && plan.failTimes !== undefined && before < plan.failTimes)
    throw new Error(`flaky listener failure ${before + 1}`);
}

@Injectable()
class FlakyListener {
  /** One listener of two events (one name, one order per aggregate). */
  @OnPaymentEvent(PaymentEvents.DISPUTE_CREATED, { name: 'flaky' })
  @OnPaymentEvent(PaymentEvents.DISPUTE_UPDATED)
  async handle(event: DisputeCreatedEvent | DisputeUpdatedEvent): Promise<void> {
    const name =
      event.dispute.provider_status === 'needs_response'
        ? PaymentEvents.DISPUTE_CREATED
        : PaymentEvents.DISPUTE_UPDATED;
    await act('flaky', name, event.dispute.provider_dispute_id);
  }
}

@Injectable()
class SiblingListener {
  @OnPaymentEvent(PaymentEvents.DISPUTE_CREATED)
  async created(event: DisputeCreatedEvent): Promise<void> {
    if (!(event.occurredAt instanceof Date)) throw new Error('occurredAt is not a Date');
    await act('sibling', PaymentEvents.DISPUTE_CREATED, event.dispute.provider_dispute_id);
  }
}

/** A synchronous durable listener; and one on the deadline job's events. */
@Injectable()
class WarningAndDeadlineLog {
  readonly warnings: string[] = [];
  readonly deadlines: string[] = [];

  @OnPaymentEvent(PaymentEvents.FRAUD_WARNING_CREATED)
  onWarning(event: FraudWarningCreatedEvent): void {
    this.warnings.push(event.dispute.provider_dispute_id);
  }

  @OnPaymentEvent(PaymentEvents.DISPUTE_DEADLINE_PASSED)
  onDeadlinePassed(event: DisputeDeadlinePassedEvent): void {
    this.deadlines.push(event.dispute.provider_dispute_id);
  }
}

@Module({ providers: [FlakyListener, SiblingListener, WarningAndDeadlineLog] })
class TestListenersModule {}

describe('durable domain events (outbox + job engine)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp(ENV, { imports: [TestListenersModule] });
  });
  afterAll(() => t?.close());

  async function deliver(
    app: TestApp,
    type: string,
    object: Record<string, unknown>,
    created = STRIPE_FIXTURE_TIME,
  ): Promise<{ status: number; ms: number; eventId: string }> {
    const event = stripeEvent(type, object, { created });
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const started = performance.now();
    const res = await app.http
      .post('/api/v1/payment/webhook')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', signature)
      .send(payload);
    return { status: res.status, ms: performance.now() - started, eventId: event.id };
  }

  const dispute = (overrides: Record<string, unknown> = {}) =>
    stripeObject('dispute', {
      id: unique('dp'),
      charge: unique('ch'),
      payment_intent: unique('pi'),
      ...overrides,
    });

  const cli = async (app: TestApp, argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      argv,
      { out: (text) => out.push(text), err: (text) => err.push(text) },
      { ...process.env, ...app.env, LOG_LEVEL: 'silent' },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('retries a throwing listener on its own: called three times, its sibling once', async () => {
    const object = dispute();
    behaviour.set(object.id as string, { failTimes: 2 });
    expect((await deliver(t, 'charge.dispute.created', object)).status).toBe(200);
    await waitForPaymentEvents(t.app);

    expect(callsOf('flaky', object.id as string)).toHaveLength(3);
    expect(callsOf('sibling', object.id as string)).toHaveLength(1);
    const rows = await t.app.get(EventsService).list({ listener: 'flaky' });
    const mine = rows.find((r) => r.aggregate.startsWith('dispute:') && r.status === 'delivered');
    expect(mine).toEqual(expect.objectContaining({ status: 'delivered', attempts: 3 }));
  });

  it('keeps commit order per aggregate: a later event waits while an earlier one is retried', async () => {
    const object = dispute();
    const id = object.id as string;
    behaviour.set(id, { failTimes: 1 });
    await deliver(t, 'charge.dispute.created', object, STRIPE_FIXTURE_TIME);
    await deliver(
      t,
      'charge.dispute.updated',
      { ...object, status: 'under_review' },
      STRIPE_FIXTURE_TIME + 10,
    );
    await waitForPaymentEvents(t.app);
    expect(callsOf('flaky', id).map((c) => c.name)).toEqual([
      PaymentEvents.DISPUTE_CREATED,
      PaymentEvents.DISPUTE_CREATED,
      PaymentEvents.DISPUTE_UPDATED,
    ]);
  });

  it('parks a listener that always throws as dead, lists it in the CLI, and `events retry` delivers it after the fix', async () => {
    const object = dispute();
    const id = object.id as string;
    behaviour.set(id, { failTimes: 1000 });
    await deliver(t, 'charge.dispute.created', object);
    await waitForPaymentEvents(t.app);
    expect(callsOf('flaky', id)).toHaveLength(3); // EVENT_MAX_ATTEMPTS
    expect(callsOf('sibling', id)).toHaveLength(1);

    const listed = await cli(t, ['events', '--status', 'dead', '--listener', 'flaky']);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('payment.dispute.created');
    expect(listed.out).toContain('flaky listener failure 3');
    const [dead] = await t.app.get(EventsService).list({ status: 'dead' });
    expect(dead).toEqual(expect.objectContaining({ listener: 'flaky', attempts: 3 }));
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.events).toEqual(expect.objectContaining({ dead: 1 }));

    behaviour.set(id, {}); // the fix
    const retried = await cli(t, ['events', 'retry', '--dead']);
    expect(retried).toEqual({ code: 0, out: `queued 1: ${dead.id}`, err: '' });
    await waitForPaymentEvents(t.app);
    expect(callsOf('flaky', id)).toHaveLength(4);
    expect(callsOf('sibling', id)).toHaveLength(1);
    expect(await t.app.get(EventsService).list({ status: 'dead' })).toEqual([]);
  });

  it('answers the provider while a listener sleeps 5 s: the listener never holds the delivery', async () => {
    const object = dispute();
    behaviour.set(object.id as string, { sleepMs: 5000 });
    const started = Date.now();
    const first = await deliver(t, 'charge.dispute.created', object);
    expect(first.status).toBe(200);
    // While that listener sleeps, more deliveries (the machine is shared: the median of five).
    const times = [first.ms];
    for (let i = 0; i < 4; i++) {
      const next = await deliver(t, 'charge.dispute.created', dispute());
      expect(next.status).toBe(200);
      times.push(next.ms);
    }
    // All five were answered before the sleeping listener could have finished: none waited for it.
    // (How fast an answer is — the 100 ms — is measured by `npm run bench`, not asserted
    // here: this machine is shared and timing thresholds in tests are noise.)
    expect(Date.now() - started).toBeLessThan(5000);
    times.sort((x, y) => x - y);
    process.stdout.write(
      `webhook answer while a listener sleeps: median ${times[2].toFixed(1)} ms\n`,
    );
    // A listener did start on it (it is sleeping now), after the answer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls.filter((c) => c.disputeId === object.id).length).toBeGreaterThanOrEqual(1);
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body.events.undelivered).toBeGreaterThanOrEqual(1);
    expect(ready.body.events.oldest_undelivered_age_seconds).toBeGreaterThan(0);
    await waitForPaymentEvents(t.app, { timeoutMs: 15_000 });
  }, 30_000);

  it('calls an idle listener soon after the commit: a wake-up, not a once-a-second poll', async () => {
    await waitForPaymentEvents(t.app);
    const latencies: number[] = [];
    for (let i = 0; i < 11; i++) {
      const object = dispute();
      const { status } = await deliver(t, 'charge.dispute.created', object);
      const answered = Date.now();
      expect(status).toBe(200);
      await waitForPaymentEvents(t.app);
      const [call] = callsOf('sibling', object.id as string);
      // The answer follows the commit, so this overstates the commit → listener time a little.
      latencies.push(Math.max(0, call.at - answered));
    }
    latencies.sort((a, b) => a - b);
    process.stdout.write(`commit → idle listener: median ${latencies[5]} ms\n`);
    // A poll once a second would put the median near 500 ms. The 50 ms target itself is measured
    // by bench/spike/engine-latency.mjs (4 ms median here), not asserted on this shared machine.
    expect(latencies[5]).toBeLessThan(300);
  });

  it('delivers a fraud warning to a synchronous durable listener', async () => {
    const warning = stripeObject('early-fraud-warning', {
      id: unique('issfr'),
      charge: unique('ch'),
      payment_intent: unique('pi'),
    });
    await deliver(t, 'radar.early_fraud_warning.created', warning);
    await waitForPaymentEvents(t.app);
    expect(t.app.get(WarningAndDeadlineLog).warnings).toEqual([warning.id]);
  });

  it("delivers the deadline job's events durably, once", async () => {
    const overdue = dispute({
      evidence_details: {
        due_by: Math.floor(Date.now() / 1000) - 3600,
        has_evidence: false,
        past_due: true,
        submission_count: 0,
      },
    });
    await deliver(t, 'charge.dispute.created', overdue);
    const job = t.app.get(DisputeDeadlineJob);
    const run = await job.run();
    expect(run.flagged.map((d) => d.provider_dispute_id)).toContain(overdue.id);
    await job.run(); // a re-run flags and announces nothing more
    await waitForPaymentEvents(t.app);
    expect(
      t.app.get(WarningAndDeadlineLog).deadlines.filter((id) => id === overdue.id),
    ).toHaveLength(1);
  });

  it('gives a delivery left without a job a new one (the safety net)', async () => {
    await waitForPaymentEvents(t.app);
    const id = unique('dp');
    // A committed delivery whose job was lost (graphile-worker's job-key window, or anything else).
    await t.dataSource.query(
      `WITH e AS (
         INSERT INTO payment_outbox (name, aggregate_type, aggregate_id, payload)
         VALUES ('payment.dispute.created', 'dispute', $1, $2::jsonb) RETURNING id)
       INSERT INTO payment_event_delivery (event_id, listener, aggregate_key, shard, updated_at)
       SELECT e.id, 'SiblingListener.created', 'dispute:' || $1, 3, now() - interval '5 seconds' FROM e`,
      [
        id,
        JSON.stringify({
          occurredAt: new Date().toISOString(),
          dispute: { provider_dispute_id: id },
          providerEventId: null,
          raw: null,
        }),
      ],
    );
    const requeued = await t.app.get(EventDelivery).requeueStranded();
    expect(requeued).toEqual([3]);
    await waitForPaymentEvents(t.app);
    expect(callsOf('sibling', id)).toHaveLength(1);
  });

  describe('two instances on one database', () => {
    let b: TestApp;
    beforeAll(async () => {
      b = await createTestApp(ENV, { database: t.database, imports: [TestListenersModule] });
    });
    afterAll(() => b?.close());

    it('delivers every (event, listener) once across both, with 40 webhooks at once', async () => {
      const objects = Array.from({ length: 40 }, () => dispute());
      const answers = await Promise.all(
        objects.map((object, i) => deliver(i % 2 ? b : t, 'charge.dispute.created', object)),
      );
      // Every webhook commits (no deadlock on the job keys the transactions share).
      expect(answers.map((a) => a.status)).toEqual(objects.map(() => 200));
      await waitForPaymentEvents(t.app);
      for (const object of objects) {
        expect(callsOf('flaky', object.id as string)).toHaveLength(1);
        expect(callsOf('sibling', object.id as string)).toHaveLength(1);
      }
      const undelivered = await t.dataSource.query(
        `SELECT count(*)::int AS n FROM payment_event_delivery WHERE status <> 'delivered' AND status <> 'dead'`,
      );
      expect(undelivered).toEqual([{ n: 0 }]);
    });
  });
});
