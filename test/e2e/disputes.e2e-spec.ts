import { EventEmitter2 } from '@nestjs/event-emitter';
import Stripe from 'stripe';
import { PaymentEvents } from '../../src/events/payment-events';
import { CHECKOUT_MARKER_KEY, CHECKOUT_MARKER_VALUE } from '../../src/checkout/checkout-metadata';
import type { DisputeEventBase } from '../../src/disputes/disputes.events';
import {
  STRIPE_FIXTURE_TIME,
  stripeEvent,
  stripeObject,
  type StripeObject,
} from '../fixtures/stripe/events';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import {
  DISPUTES_WAITING_SQL,
  LINK_TRANSACTION_SQL,
} from '../../src/disputes/dispute-linker.service';
import { executedPlan, rowsRead } from '../support/query-plan';

import { createTestApp, type TestApp } from '../support/test-app';

const WEBHOOK_SECRET = 'whsec_test';
const DISPUTE_EVENTS = [
  PaymentEvents.FRAUD_WARNING_CREATED,
  PaymentEvents.DISPUTE_CREATED,
  PaymentEvents.DISPUTE_UPDATED,
  PaymentEvents.DISPUTE_CLOSED,
] as const;

type Recorded = { name: string; event: DisputeEventBase };

let seq = 0;
/** Unique provider ids per test so that tests sharing the app do not see each other's rows. */
const unique = (prefix: string) => `${prefix}_e2e${Date.now().toString(36)}${(seq++).toString(36)}`;

describe('disputes and early fraud warnings from signed Stripe webhooks', () => {
  let t: TestApp;
  let recorded: Recorded[];

  beforeAll(async () => {
    t = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // Nothing here calls the Stripe API; a closed port makes sure of it.
      STRIPE_API_BASE: 'http://127.0.0.1:9',
    });
    const emitter = t.app.get(EventEmitter2);
    for (const name of DISPUTE_EVENTS)
      emitter.on(name, (event: DisputeEventBase) => recorded.push({ name, event }));
  });
  beforeEach(() => {
    recorded = [];
  });
  afterAll(() => t.close());

  /** Posts one Stripe event, signed as Stripe signs it; returns the event id. */
  async function deliver(
    type: string,
    object: StripeObject,
    options: { created?: number; id?: string } = {},
  ): Promise<string> {
    const event = stripeEvent(type, object, {
      created: options.created ?? STRIPE_FIXTURE_TIME,
      id: options.id,
    });
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const res = await t.http
      .post('/api/v1/payment/webhook')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', signature)
      .send(payload);
    expect(res.status).toBeLessThan(300);
    // Durable listeners (linking, the test's recorders) run after the commit, on the job engine.
    await waitForPaymentEvents(t.app);
    return event.id;
  }

  const disputeObject = (overrides: StripeObject = {}): StripeObject =>
    stripeObject('dispute', {
      id: unique('dp'),
      charge: unique('ch'),
      payment_intent: unique('pi'),
      ...overrides,
    });
  const dueBy = (object: StripeObject) => (object.evidence_details as { due_by: number }).due_by;

  async function rowOf(providerDisputeId: string): Promise<Record<string, unknown>> {
    const rows = await t.dataSource.query(
      'SELECT id FROM payment_dispute WHERE provider_dispute_id = $1',
      [providerDisputeId],
    );
    expect(rows).toHaveLength(1);
    return (await t.http.get(`/api/v1/payment/disputes/${rows[0].id as number}`).expect(200)).body;
  }

  const namesOf = (id: string) =>
    recorded.filter((r) => r.event.dispute.provider_dispute_id === id).map((r) => r.name);

  it('records an early fraud warning as warning_issued and announces it', async () => {
    const warning = stripeObject('early-fraud-warning', {
      id: unique('issfr'),
      charge: unique('ch'),
      payment_intent: unique('pi'),
    });
    const eventId = await deliver('radar.early_fraud_warning.created', warning);

    const row = await rowOf(warning.id as string);
    expect(row).toEqual(
      expect.objectContaining({
        kind: 'fraud_warning',
        status: 'warning_issued',
        provider_status: 'made_with_stolen_card',
        reason: 'made_with_stolen_card',
        actionable: true,
        evidence_due_by: null,
        transaction_id: null,
        provider_charge_id: warning.charge,
        provider_payment_intent_id: warning.payment_intent,
      }),
    );
    expect(namesOf(warning.id as string)).toEqual([PaymentEvents.FRAUD_WARNING_CREATED]);
    const { event } = recorded[0];
    expect(event.providerEventId).toBe(eventId);
    expect(event.dispute).toEqual(row);
    expect(event.raw).toEqual(
      expect.objectContaining({ id: warning.id, object: 'radar.early_fraud_warning' }),
    );
  });

  it('keeps a fraud warning warning_issued when it stops being actionable', async () => {
    const warning = stripeObject('early-fraud-warning', {
      id: unique('issfr'),
      charge: unique('ch'),
      payment_intent: unique('pi'),
    });
    await deliver('radar.early_fraud_warning.created', warning);
    await deliver(
      'radar.early_fraud_warning.updated',
      { ...warning, actionable: false },
      { created: STRIPE_FIXTURE_TIME + 60 },
    );

    expect(await rowOf(warning.id as string)).toEqual(
      expect.objectContaining({ status: 'warning_issued', actionable: false }),
    );
    expect(namesOf(warning.id as string)).toEqual([
      PaymentEvents.FRAUD_WARNING_CREATED,
      PaymentEvents.DISPUTE_UPDATED,
    ]);
  });

  it('records a chargeback as needs_response with its evidence deadline', async () => {
    const dispute = disputeObject();
    await deliver('charge.dispute.created', dispute);

    const row = await rowOf(dispute.id as string);
    expect(row).toEqual(
      expect.objectContaining({
        kind: 'chargeback',
        status: 'needs_response',
        provider_status: 'needs_response',
        reason: 'fraudulent',
        amount: 2000,
        currency: 'usd',
        evidence_due_by: new Date(dueBy(dispute) * 1000).toISOString(),
        deadline_flagged_at: null,
        actionable: null,
        transaction_id: null,
      }),
    );
    expect(namesOf(dispute.id as string)).toEqual([PaymentEvents.DISPUTE_CREATED]);
    const single = await t.http.get(`/api/v1/payment/disputes/${row.id as number}`).expect(200);
    expect(single.body).toEqual(row);
  });

  it('treats a due_by of 0 or null as no deadline', async () => {
    const zero = disputeObject({
      evidence_details: { due_by: 0, has_evidence: false, past_due: false, submission_count: 0 },
    });
    const none = disputeObject({
      evidence_details: { due_by: null, has_evidence: false, past_due: false, submission_count: 0 },
    });
    await deliver('charge.dispute.created', zero);
    await deliver('charge.dispute.created', none);
    expect((await rowOf(zero.id as string)).evidence_due_by).toBeNull();
    expect((await rowOf(none.id as string)).evidence_due_by).toBeNull();
  });

  it('follows a chargeback through under_review to won, announcing each step', async () => {
    const dispute = disputeObject();
    await deliver('charge.dispute.created', dispute);
    await deliver(
      'charge.dispute.updated',
      { ...dispute, status: 'under_review', reason: 'product_not_received' },
      { created: STRIPE_FIXTURE_TIME + 60 },
    );
    expect(await rowOf(dispute.id as string)).toEqual(
      expect.objectContaining({
        status: 'under_review',
        provider_status: 'under_review',
        reason: 'product_not_received',
      }),
    );
    await deliver(
      'charge.dispute.closed',
      { ...dispute, status: 'won' },
      { created: STRIPE_FIXTURE_TIME + 120 },
    );

    expect(await rowOf(dispute.id as string)).toEqual(
      expect.objectContaining({ status: 'won', provider_status: 'won' }),
    );
    expect(namesOf(dispute.id as string)).toEqual([
      PaymentEvents.DISPUTE_CREATED,
      PaymentEvents.DISPUTE_UPDATED,
      PaymentEvents.DISPUTE_CLOSED,
    ]);
    expect(recorded.at(-1)!.event.dispute.status).toBe('won');
  });

  it('closes a chargeback as lost', async () => {
    const dispute = disputeObject();
    await deliver('charge.dispute.created', dispute);
    await deliver(
      'charge.dispute.closed',
      { ...dispute, status: 'lost' },
      { created: STRIPE_FIXTURE_TIME + 60 },
    );
    expect(await rowOf(dispute.id as string)).toEqual(expect.objectContaining({ status: 'lost' }));
  });

  it('follows an inquiry: warning_needs_response and warning_under_review are warning_issued, then warning_closed', async () => {
    const inquiry = disputeObject({ status: 'warning_needs_response', reason: 'general' });
    await deliver('charge.dispute.created', inquiry);
    expect(await rowOf(inquiry.id as string)).toEqual(
      expect.objectContaining({
        kind: 'chargeback',
        status: 'warning_issued',
        provider_status: 'warning_needs_response',
      }),
    );
    await deliver(
      'charge.dispute.updated',
      { ...inquiry, status: 'warning_under_review' },
      { created: STRIPE_FIXTURE_TIME + 60 },
    );
    expect(await rowOf(inquiry.id as string)).toEqual(
      expect.objectContaining({
        status: 'warning_issued',
        provider_status: 'warning_under_review',
      }),
    );
    await deliver(
      'charge.dispute.closed',
      { ...inquiry, status: 'warning_closed' },
      { created: STRIPE_FIXTURE_TIME + 120 },
    );
    expect(await rowOf(inquiry.id as string)).toEqual(
      expect.objectContaining({ status: 'warning_closed', provider_status: 'warning_closed' }),
    );
  });

  it('keeps one row and announces once when the same event is delivered twice', async () => {
    const dispute = disputeObject();
    const eventId = await deliver('charge.dispute.created', dispute);
    await deliver('charge.dispute.created', dispute, { id: eventId });

    const count = await t.dataSource.query(
      'SELECT count(*)::int AS n FROM payment_dispute WHERE provider_dispute_id = $1',
      [dispute.id],
    );
    expect(count[0].n).toBe(1);
    expect(namesOf(dispute.id as string)).toEqual([PaymentEvents.DISPUTE_CREATED]);
  });

  it('keeps one row when two different events announce the same dispute', async () => {
    const dispute = disputeObject();
    await deliver('charge.dispute.created', dispute);
    await deliver('charge.dispute.created', dispute);
    const warning = stripeObject('early-fraud-warning', {
      id: unique('issfr'),
      charge: unique('ch'),
      payment_intent: unique('pi'),
    });
    await Promise.all([
      deliver('radar.early_fraud_warning.created', warning),
      deliver('radar.early_fraud_warning.created', warning),
    ]);

    const rows = await t.dataSource.query(
      'SELECT provider_dispute_id FROM payment_dispute WHERE provider_dispute_id IN ($1, $2)',
      [dispute.id, warning.id],
    );
    expect(rows).toHaveLength(2);
  });

  it('never reopens a closed dispute with a late updated, even of the same second', async () => {
    const dispute = disputeObject();
    const closedAt = STRIPE_FIXTURE_TIME + 120;
    await deliver('charge.dispute.created', dispute);
    await deliver('charge.dispute.closed', { ...dispute, status: 'won' }, { created: closedAt });
    recorded = [];

    await deliver(
      'charge.dispute.updated',
      { ...dispute, status: 'under_review' },
      { created: closedAt },
    );
    await deliver(
      'charge.dispute.updated',
      { ...dispute, status: 'under_review' },
      { created: closedAt - 60 },
    );

    expect(await rowOf(dispute.id as string)).toEqual(
      expect.objectContaining({ status: 'won', provider_status: 'won' }),
    );
    expect(recorded).toEqual([]);
  });

  it('ignores an older event that arrives after a newer one', async () => {
    const dispute = disputeObject();
    await deliver(
      'charge.dispute.updated',
      { ...dispute, status: 'under_review' },
      { created: STRIPE_FIXTURE_TIME + 60 },
    );
    await deliver('charge.dispute.created', dispute, { created: STRIPE_FIXTURE_TIME });

    expect(await rowOf(dispute.id as string)).toEqual(
      expect.objectContaining({ status: 'under_review' }),
    );
    // First heard of through `updated`: announced as created, then updated; the stale created adds nothing.
    expect(namesOf(dispute.id as string)).toEqual([
      PaymentEvents.DISPUTE_CREATED,
      PaymentEvents.DISPUTE_UPDATED,
    ]);
  });

  it('lists exactly the open disputes with ?status=open', async () => {
    const open = [disputeObject(), disputeObject({ status: 'warning_needs_response' })];
    const underReview = disputeObject();
    const closed = [
      disputeObject(),
      disputeObject(),
      disputeObject({ status: 'warning_needs_response' }),
    ];
    for (const d of [...open, underReview, ...closed]) await deliver('charge.dispute.created', d);
    await deliver(
      'charge.dispute.updated',
      { ...underReview, status: 'under_review' },
      { created: STRIPE_FIXTURE_TIME + 1 },
    );
    await deliver(
      'charge.dispute.closed',
      { ...closed[0], status: 'won' },
      { created: STRIPE_FIXTURE_TIME + 1 },
    );
    await deliver(
      'charge.dispute.closed',
      { ...closed[1], status: 'lost' },
      { created: STRIPE_FIXTURE_TIME + 1 },
    );
    await deliver(
      'charge.dispute.closed',
      { ...closed[2], status: 'warning_closed' },
      { created: STRIPE_FIXTURE_TIME + 1 },
    );
    const warning = stripeObject('early-fraud-warning', {
      id: unique('issfr'),
      charge: unique('ch'),
      payment_intent: unique('pi'),
    });
    await deliver('radar.early_fraud_warning.created', warning);

    const all = (await t.http.get('/api/v1/payment/disputes?page_size=100').expect(200)).body;
    const openRes = (
      await t.http
        .get('/api/v1/payment/disputes?status=open&page_size=100&include=total')
        .expect(200)
    ).body;
    const expectedOpen = (all.disputes as { id: number; status: string }[])
      .filter((d) => ['warning_issued', 'needs_response', 'under_review'].includes(d.status))
      .map((d) => d.id);
    expect(openRes.disputes.map((d: { id: number }) => d.id)).toEqual(expectedOpen);
    expect(openRes.total).toBe(expectedOpen.length);
    const openIds = new Set(
      openRes.disputes.map((d: { provider_dispute_id: string }) => d.provider_dispute_id),
    );
    for (const d of [...open, underReview, warning]) expect(openIds).toContain(d.id);
    for (const d of closed) expect(openIds).not.toContain(d.id);

    const won = (await t.http.get('/api/v1/payment/disputes?status=won&page_size=100').expect(200))
      .body;
    expect(
      won.disputes.map((d: { provider_dispute_id: string }) => d.provider_dispute_id),
    ).toContain(closed[0].id);
    expect(won.disputes.every((d: { status: string }) => d.status === 'won')).toBe(true);
  });

  it('pages the list newest first', async () => {
    const res = await t.http
      .get('/api/v1/payment/disputes?page=1&page_size=2&include=total')
      .expect(200);
    expect(res.body).toEqual(
      expect.objectContaining({ page: 1, page_size: 2, total: expect.any(Number) }),
    );
    expect(res.body.disputes).toHaveLength(2);
    const [a, b] = res.body.disputes as { id: number; created_at: string }[];
    expect(a.created_at >= b.created_at).toBe(true);
  });

  it('refuses an unknown status filter with a 400 naming status', async () => {
    const res = await t.http.get('/api/v1/payment/disputes?status=pending').expect(400);
    expect(Object.keys(res.body.details.fields)).toEqual(['status']);
    expect(res.body.message).toContain('status');
  });

  it('answers an unknown dispute with 404', async () => {
    const res = await t.http.get('/api/v1/payment/disputes/999999').expect(404);
    expect(res.body.message).toBe('Dispute 999999 not found');
  });

  it('fails the webhook (5xx, replayable) on a dispute status it does not know, rather than guess', async () => {
    const dispute = disputeObject({ status: 'brand_new_status' });
    const event = stripeEvent('charge.dispute.created', dispute, { created: STRIPE_FIXTURE_TIME });
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    const res = await t.http
      .post('/api/v1/payment/webhook')
      .set('Content-Type', 'application/json')
      .set('Stripe-Signature', signature)
      .send(payload);
    expect(res.status).toBeGreaterThanOrEqual(500);
    const inbox = await t.dataSource.query(
      'SELECT status, last_error FROM payment_webhook_event WHERE provider_event_id = $1',
      [event.id],
    );
    expect(inbox[0].status).toBe('failed');
    expect(inbox[0].last_error).toContain('brand_new_status');
  });

  describe('linking to the transaction, whichever arrives first', () => {
    /** payment_intent.succeeded of one of our checkouts (its metadata marker): the checkout records the charge. */
    const deliverPayment = (
      paymentIntentId: string,
      chargeId: string,
      created = STRIPE_FIXTURE_TIME,
    ) =>
      deliver(
        'payment_intent.succeeded',
        stripeObject('payment-intent.succeeded', {
          id: paymentIntentId,
          latest_charge: chargeId,
          metadata: { [CHECKOUT_MARKER_KEY]: CHECKOUT_MARKER_VALUE },
        }),
        { created },
      );
    async function chargeRow(paymentIntentId: string): Promise<{ id: number; amount: number }> {
      const rows = await t.dataSource.query(
        `SELECT id, amount::int FROM payment_transaction WHERE type = 'charge' AND provider_payment_intent_id = $1`,
        [paymentIntentId],
      );
      expect(rows).toHaveLength(1);
      return rows[0];
    }

    it('links a dispute that arrived before its transaction once the payment arrives', async () => {
      const dispute = disputeObject();
      await deliver('charge.dispute.created', dispute);
      expect(await rowOf(dispute.id as string)).toEqual(
        expect.objectContaining({ transaction_id: null }),
      );

      await deliverPayment(dispute.payment_intent as string, dispute.charge as string);

      const charge = await chargeRow(dispute.payment_intent as string);
      expect(await rowOf(dispute.id as string)).toEqual(
        expect.objectContaining({ transaction_id: charge.id, status: 'needs_response' }),
      );
      expect(namesOf(dispute.id as string)).toEqual([
        PaymentEvents.DISPUTE_CREATED,
        PaymentEvents.DISPUTE_UPDATED,
      ]);
      const linked = recorded.find((r) => r.name === PaymentEvents.DISPUTE_UPDATED)!.event;
      expect(linked.transaction).toEqual(expect.objectContaining({ id: charge.id }));
      expect(linked.dispute.transaction_id).toBe(charge.id);
    });

    it('links a fraud warning that arrived first, taking the charge amount, and announces it with the transaction', async () => {
      const warning = stripeObject('early-fraud-warning', {
        id: unique('issfr'),
        charge: unique('ch'),
        payment_intent: unique('pi'),
      });
      await deliver('radar.early_fraud_warning.created', warning);
      expect(recorded.map((r) => r.event.transaction)).toEqual([null]);

      await deliverPayment(warning.payment_intent as string, warning.charge as string);

      const charge = await chargeRow(warning.payment_intent as string);
      expect(await rowOf(warning.id as string)).toEqual(
        expect.objectContaining({
          transaction_id: charge.id,
          amount: charge.amount,
          currency: 'usd',
        }),
      );
      const linked = recorded.filter((r) => r.name === PaymentEvents.DISPUTE_UPDATED);
      expect(linked).toHaveLength(1);
      expect(linked[0].event.dispute.kind).toBe('fraud_warning');
      expect(linked[0].event.transaction).toEqual(expect.objectContaining({ id: charge.id }));
    });

    it('links a payment by index lookups, not by walking every unlinked dispute', async () => {
      // Disputes of payments made elsewhere stay unlinked for good: 20,000 of them, arrived in a
      // burst (the table's statistics do not know them yet).
      const batch = unique('dp_elsewhere');
      await t.dataSource.query(
        `INSERT INTO payment_dispute
           (provider, provider_dispute_id, kind, status, provider_charge_id, provider_payment_intent_id)
         SELECT 'stripe', $1 || n, 'chargeback', 'needs_response', $1 || '_ch' || n, $1 || '_pi' || n
           FROM generate_series(1, 20000) AS n`,
        [batch],
      );
      const paymentIntentId = unique('pi');
      await deliverPayment(paymentIntentId, unique('ch'));
      const charge = await chargeRow(paymentIntentId);

      for (const sql of [DISPUTES_WAITING_SQL, LINK_TRANSACTION_SQL]) {
        const plan = await executedPlan(t.dataSource, sql, [charge.id]);
        expect(rowsRead(plan, 'payment_dispute')).toBeLessThanOrEqual(10);
      }
    });

    it('links a dispute at once when its transaction is already recorded', async () => {
      const dispute = disputeObject();
      await deliverPayment(dispute.payment_intent as string, dispute.charge as string);
      const charge = await chargeRow(dispute.payment_intent as string);
      recorded = [];

      await deliver('charge.dispute.created', dispute);

      expect(await rowOf(dispute.id as string)).toEqual(
        expect.objectContaining({ transaction_id: charge.id }),
      );
      expect(namesOf(dispute.id as string)).toEqual([PaymentEvents.DISPUTE_CREATED]);
      expect(recorded[0].event.transaction).toEqual(expect.objectContaining({ id: charge.id }));
    });
  });
});
