import { Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import Stripe from 'stripe';
import { runCli } from '../../src/cli/run-cli';
import {
  DISPUTE_DEADLINE_JOB_NAME,
  DisputeDeadlineJob,
} from '../../src/disputes/dispute-deadline.job';
import type { DisputeEventBase } from '../../src/disputes/disputes.events';
import { PaymentEvents } from '../../src/events/payment-events';
import { stripeEvent, stripeObject, type StripeObject } from '../fixtures/stripe/events';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { createTestApp, type TestApp } from '../support/test-app';

const WEBHOOK_SECRET = 'whsec_test';
const STRIPE_ENV = {
  PAYMENT_PROVIDER: 'stripe',
  STRIPE_SECRET_KEY: 'sk_test_x',
  STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
  STRIPE_API_BASE: 'http://127.0.0.1:9',
  DISPUTE_DEADLINE_WARNING_HOURS: '72',
};
const HOUR = 3600;
const nowSeconds = () => Math.floor(Date.now() / 1000);

let seq = 0;
const unique = (prefix: string) => `${prefix}_dl${Date.now().toString(36)}${(seq++).toString(36)}`;

type Recorded = { name: string; event: DisputeEventBase };

/** Records the deadline events an app instance emits. */
function recordDeadlineEvents(t: TestApp): Recorded[] {
  const recorded: Recorded[] = [];
  const emitter = t.app.get(EventEmitter2);
  for (const name of [
    PaymentEvents.DISPUTE_DEADLINE_PASSED,
    PaymentEvents.DISPUTE_DEADLINE_APPROACHING,
  ]) {
    emitter.on(name, (event: DisputeEventBase) => recorded.push({ name, event }));
  }
  return recorded;
}

/** Delivers a Stripe-signed dispute event: the dispute due `dueInHours` from now. */
async function deliverDispute(
  t: TestApp,
  type: 'charge.dispute.created' | 'charge.dispute.updated',
  dispute: StripeObject,
  created = nowSeconds(),
): Promise<void> {
  const payload = JSON.stringify(stripeEvent(type, dispute, { created }));
  const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
  await t.http
    .post('/api/v1/payment/webhook')
    .set('Content-Type', 'application/json')
    .set('Stripe-Signature', signature)
    .send(payload)
    .expect(200);
}

function disputeDue(dueInHours: number, overrides: StripeObject = {}): StripeObject {
  return stripeObject('dispute', {
    id: unique('dp'),
    charge: unique('ch'),
    payment_intent: unique('pi'),
    evidence_details: {
      due_by: nowSeconds() + Math.round(dueInHours * HOUR),
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    ...overrides,
  });
}

async function row(
  t: TestApp,
  providerDisputeId: string,
): Promise<{ deadline_flagged_at: Date | null; deadline_warned_at: Date | null }> {
  const rows = await t.dataSource.query(
    'SELECT deadline_flagged_at, deadline_warned_at FROM payment_dispute WHERE provider_dispute_id = $1',
    [providerDisputeId],
  );
  return rows[0];
}

/** Domain events are published with emitAsync, which awaits a listener's promise. */
const asyncListener = (fn: () => Promise<unknown>) => fn as unknown as () => void;

const idsOf = (recorded: Recorded[], name: string) =>
  recorded.filter((r) => r.name === name).map((r) => r.event.dispute.provider_dispute_id);

describe('the dispute evidence-deadline job', () => {
  let t: TestApp;
  let recorded: Recorded[];
  let job: DisputeDeadlineJob;

  beforeAll(async () => {
    t = await createTestApp(STRIPE_ENV);
    recorded = recordDeadlineEvents(t);
    job = t.app.get(DisputeDeadlineJob);
  });
  beforeEach(async () => {
    recorded.length = 0;
    // Each test starts from no pending deadlines, whatever earlier tests left.
    await t.dataSource.query(
      'UPDATE payment_dispute SET deadline_flagged_at = now(), deadline_warned_at = now()',
    );
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(() => t.close());

  it('is not scheduled when DISPUTE_DEADLINE_CRON=off', () => {
    expect(t.app.get(SchedulerRegistry).doesExist('cron', DISPUTE_DEADLINE_JOB_NAME)).toBe(false);
  });

  it('flags a dispute past its deadline once: one deadline_passed event and an error naming it', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error');
    const dispute = disputeDue(-2);
    await deliverDispute(t, 'charge.dispute.created', dispute);

    const summary = await job.run();

    expect(summary.skipped).toBe(false);
    expect(summary.flagged.map((d) => d.provider_dispute_id)).toEqual([dispute.id]);
    expect((await row(t, dispute.id as string)).deadline_flagged_at).not.toBeNull();
    expect(idsOf(recorded, PaymentEvents.DISPUTE_DEADLINE_PASSED)).toEqual([dispute.id]);
    const passed = recorded[0].event;
    expect(passed.providerEventId).toBeNull();
    expect(passed.dispute.deadline_flagged_at).not.toBeNull();
    expect(passed.dispute.status).toBe('needs_response');
    const messages = errors.mock.calls.map(([message]) => JSON.stringify(message));
    expect(messages).toEqual([
      expect.stringContaining(
        `Dispute ${dispute.id as string} evidence deadline passed without response`,
      ),
    ]);

    errors.mockClear();
    const again = await job.run();
    expect(again.flagged).toEqual([]);
    expect(idsOf(recorded, PaymentEvents.DISPUTE_DEADLINE_PASSED)).toEqual([dispute.id]);
    expect(errors).not.toHaveBeenCalled();
  });

  it('does not flag a dispute answered before the run (under_review)', async () => {
    const dispute = disputeDue(-2);
    await deliverDispute(t, 'charge.dispute.created', dispute, nowSeconds() - 60);
    await deliverDispute(t, 'charge.dispute.updated', { ...dispute, status: 'under_review' });

    const summary = await job.run();

    expect(summary.flagged).toEqual([]);
    expect((await row(t, dispute.id as string)).deadline_flagged_at).toBeNull();
    expect(recorded).toEqual([]);
  });

  it('flags an inquiry awaiting a response past its deadline too', async () => {
    const inquiry = disputeDue(-1, { status: 'warning_needs_response' });
    await deliverDispute(t, 'charge.dispute.created', inquiry);
    const summary = await job.run();
    expect(summary.flagged.map((d) => d.provider_dispute_id)).toEqual([inquiry.id]);
    expect(summary.flagged[0].status).toBe('warning_issued');
  });

  it('leaves alone disputes without a deadline or with one far ahead', async () => {
    const farAhead = disputeDue(24 * 10);
    const noDeadline = disputeDue(0, {
      evidence_details: { due_by: null, has_evidence: false, past_due: false, submission_count: 0 },
    });
    await deliverDispute(t, 'charge.dispute.created', farAhead);
    await deliverDispute(t, 'charge.dispute.created', noDeadline);
    expect(await job.run()).toEqual({ skipped: false, flagged: [], warned: [] });
    expect(recorded).toEqual([]);
  });

  it('warns once about a deadline within DISPUTE_DEADLINE_WARNING_HOURS, then flags it when it passes', async () => {
    const dispute = disputeDue(24);
    await deliverDispute(t, 'charge.dispute.created', dispute);

    const first = await job.run();
    expect(first.warned.map((d) => d.provider_dispute_id)).toEqual([dispute.id]);
    expect(first.flagged).toEqual([]);
    expect((await row(t, dispute.id as string)).deadline_warned_at).not.toBeNull();
    await job.run();
    expect(idsOf(recorded, PaymentEvents.DISPUTE_DEADLINE_APPROACHING)).toEqual([dispute.id]);

    const later = await job.run({ now: new Date(Date.now() + 25 * HOUR * 1000) });
    expect(later.flagged.map((d) => d.provider_dispute_id)).toEqual([dispute.id]);
    expect(idsOf(recorded, PaymentEvents.DISPUTE_DEADLINE_PASSED)).toEqual([dispute.id]);
  });

  it('watches a new deadline afresh when the provider moves it', async () => {
    const dispute = disputeDue(-1);
    await deliverDispute(t, 'charge.dispute.created', dispute, nowSeconds() - 60);
    await job.run();
    const moved = {
      ...dispute,
      evidence_details: { ...(dispute.evidence_details as object), due_by: nowSeconds() - 1800 },
    };
    await deliverDispute(t, 'charge.dispute.updated', moved);
    await job.run();
    expect(idsOf(recorded, PaymentEvents.DISPUTE_DEADLINE_PASSED)).toEqual([
      dispute.id,
      dispute.id,
    ]);
  });

  it('works through a backlog in batches, flagging each dispute once', async () => {
    const backlog = Array.from({ length: 5 }, (_, i) => disputeDue(-1 - i));
    for (const d of backlog) await deliverDispute(t, 'charge.dispute.created', d);

    const summary = await job.run({ batchSize: 2 });

    expect(summary.flagged.map((d) => d.provider_dispute_id).sort()).toEqual(
      backlog.map((d) => d.id as string).sort(),
    );
    expect(idsOf(recorded, PaymentEvents.DISPUTE_DEADLINE_PASSED).sort()).toEqual(
      backlog.map((d) => d.id as string).sort(),
    );
  });

  it('keeps going when a listener of its events throws (the dispute stays flagged)', async () => {
    const emitter = t.app.get(EventEmitter2);
    const failing = () => {
      throw new Error('listener broke');
    };
    emitter.on(PaymentEvents.DISPUTE_DEADLINE_PASSED, failing);
    try {
      const a = disputeDue(-3);
      const b = disputeDue(-2);
      await deliverDispute(t, 'charge.dispute.created', a);
      await deliverDispute(t, 'charge.dispute.created', b);
      const summary = await job.run();
      expect(summary.flagged.map((d) => d.provider_dispute_id)).toEqual([a.id, b.id]);
      expect(await job.run()).toEqual({ skipped: false, flagged: [], warned: [] });
    } finally {
      emitter.off(PaymentEvents.DISPUTE_DEADLINE_PASSED, failing);
    }
  });

  it('prints what it flagged from the CLI: payments disputes check-deadlines', async () => {
    const dispute = disputeDue(-5);
    await deliverDispute(t, 'charge.dispute.created', dispute);
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => err.push(text) };
    const env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: t.database.url,
      ...STRIPE_ENV,
    };

    expect(await runCli(['disputes', 'check-deadlines'], io, env)).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n')).toContain('flagged 1 dispute(s)');
    expect(out.join('\n')).toContain(dispute.id as string);
    expect((await row(t, dispute.id as string)).deadline_flagged_at).not.toBeNull();

    out.length = 0;
    expect(await runCli(['disputes', '--status', 'open', '--limit', '500'], io, env)).toBe(0);
    expect(out.join('\n')).toMatch(new RegExp(`${dispute.id as string}.*needs_response`));
    expect(out.join('\n')).toContain('EVIDENCE DUE BY');

    expect(await runCli(['disputes', '--status', 'bogus'], io, env)).toBe(2);
    expect(err.join('\n')).toContain("argument 'bogus' is invalid. Allowed choices are open, ");
  });
});

describe('the dispute deadline job on two instances sharing one database', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await createTestApp(STRIPE_ENV);
    b = await createTestApp(STRIPE_ENV, { database: a.database });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it('flags a dispute once and announces it once in total when both run at the same time', async () => {
    const fromA = recordDeadlineEvents(a);
    const fromB = recordDeadlineEvents(b);
    // Slow listeners keep each run holding its lock for a while, so that the two runs overlap.
    for (const t of [a, b])
      t.app.get(EventEmitter2).on(
        PaymentEvents.DISPUTE_DEADLINE_PASSED,
        asyncListener(() => new Promise((resolve) => setTimeout(resolve, 300))),
      );
    const dispute = disputeDue(-1);
    await deliverDispute(a, 'charge.dispute.created', dispute);

    const [runA, runB] = await Promise.all([
      a.app.get(DisputeDeadlineJob).run(),
      b.app.get(DisputeDeadlineJob).run(),
    ]);

    expect([...runA.flagged, ...runB.flagged].map((d) => d.provider_dispute_id)).toEqual([
      dispute.id,
    ]);
    expect([...fromA, ...fromB].map((r) => r.event.dispute.provider_dispute_id)).toEqual([
      dispute.id,
    ]);
  });

  it('skips a run while another instance holds the job lock', async () => {
    // Another instance's run holds the job's session lock (its listeners no longer hold a run:
    // they are delivered after the batch's commit, on the job engine).
    const holder = a.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('payment:dispute-deadline-job'))`);
      const second = disputeDue(-1);
      await deliverDispute(b, 'charge.dispute.created', second);
      expect(await b.app.get(DisputeDeadlineJob).run()).toEqual({
        skipped: true,
        flagged: [],
        warned: [],
      });
      expect((await row(b, second.id as string)).deadline_flagged_at).toBeNull();

      await holder.query(`SELECT pg_advisory_unlock(hashtext('payment:dispute-deadline-job'))`);
      // The lock is free: B runs now and flags what the skipped run left.
      const runB = await b.app.get(DisputeDeadlineJob).run();
      expect(runB.skipped).toBe(false);
      expect(runB.flagged.map((d) => d.provider_dispute_id)).toContain(second.id);
    } finally {
      await holder.release();
    }
  });

  it('enqueues one job per scheduler tick across instances, flagging and announcing each dispute once', async () => {
    const dispute = disputeDue(-1);
    await deliverDispute(a, 'charge.dispute.created', dispute);
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
    const won = await Promise.all([
      a.app.get(DisputeDeadlineJob).enqueueTick(tick),
      b.app.get(DisputeDeadlineJob).enqueueTick(tick),
    ]);
    expect(won.filter(Boolean)).toHaveLength(1);
    // The job runs on whichever engine picks it; its events go to the durable listeners.
    for (let i = 0; i < 200; i++) {
      if ((await row(a, dispute.id as string)).deadline_flagged_at) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await waitForPaymentEvents(a.app);
    const announced = await a.dataSource.query(
      `SELECT count(*)::int AS n FROM payment_outbox
        WHERE name = 'payment.dispute.deadline_passed' AND payload->'dispute'->>'provider_dispute_id' = $1`,
      [dispute.id],
    );
    expect(announced).toEqual([{ n: 1 }]);
    expect((await row(a, dispute.id as string)).deadline_flagged_at).not.toBeNull();
  });
});

describe('the dispute deadline job on its schedule', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ ...STRIPE_ENV, DISPUTE_DEADLINE_CRON: '* * * * * *' });
  });
  afterAll(() => t.close());

  it('runs from DISPUTE_DEADLINE_CRON without being asked', async () => {
    expect(t.app.get(SchedulerRegistry).doesExist('cron', DISPUTE_DEADLINE_JOB_NAME)).toBe(true);
    const recorded = recordDeadlineEvents(t);
    const dispute = disputeDue(-1);
    await deliverDispute(t, 'charge.dispute.created', dispute);

    const deadline = Date.now() + 10_000;
    while (recorded.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));

    expect(idsOf(recorded, PaymentEvents.DISPUTE_DEADLINE_PASSED)).toEqual([dispute.id]);
    expect((await row(t, dispute.id as string)).deadline_flagged_at).not.toBeNull();
  });
});
