import { Injectable, Module } from '@nestjs/common';
import Stripe from 'stripe';
import { OnPaymentEvent } from '../../src/events/on-payment-event.decorator';
import { PaymentEvents } from '../../src/events/payment-events';
import type { RefundCreatedEvent, RefundUpdatedEvent } from '../../src/refunds/refunds.events';
import { TransactionEntity } from '../../src/transactions/entities/transaction.entity';
import { runCli } from '../../src/cli/run-cli';
import { RefundSettlementJob } from '../../src/refunds/refund-settlement.job';
import { WebhooksService } from '../../src/webhooks/webhooks.service';
import {
  stripeEvent,
  stripeObject,
  type StripeEventEnvelope,
  type StripeObject,
} from '../fixtures/stripe/events';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { FakeStripeApi, type StripeCall } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../support/test-app';

const WEBHOOK_SECRET = 'whsec_test';

@Injectable()
class RefundEventRecorder {
  readonly created: RefundCreatedEvent[] = [];
  readonly updated: RefundUpdatedEvent[] = [];

  @OnPaymentEvent(PaymentEvents.REFUND_CREATED)
  onCreated(event: RefundCreatedEvent): void {
    this.created.push(event);
  }

  @OnPaymentEvent(PaymentEvents.REFUND_UPDATED)
  onUpdated(event: RefundUpdatedEvent): void {
    this.updated.push(event);
  }
}

@Module({ providers: [RefundEventRecorder] })
class RecorderModule {}

let refundSeq = 0;

/** The refund Stripe would answer to a create call: what was asked, succeeded. */
function refundAnswer(call: StripeCall, overrides: StripeObject = {}): StripeObject {
  const metadata: Record<string, string> = {};
  for (const [key, value] of call.form) {
    const match = /^metadata\[(.+)\]$/.exec(key);
    if (match) metadata[match[1]] = value;
  }
  return stripeObject('refund', {
    id: `re_test_${++refundSeq}_${Date.now()}`,
    amount: Number(call.form.get('amount')),
    payment_intent: call.form.get('payment_intent'),
    charge: `ch_for_${call.form.get('payment_intent')}`,
    reason: call.form.get('reason'),
    metadata,
    status: 'succeeded',
    ...overrides,
  });
}

describe('refunds on the Stripe adapter', () => {
  let t: TestApp;
  let stripeApi: FakeStripeApi;
  let recorder: RefundEventRecorder;
  let chargeSeq = 0;

  beforeAll(async () => {
    stripeApi = new FakeStripeApi();
    const apiBase = await stripeApi.start();
    t = await createTestApp(
      {
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: 'sk_test_x',
        STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
        STRIPE_API_BASE: apiBase,
        REFUND_SETTLE_CRON: 'off',
      },
      { imports: [RecorderModule] },
    );
    recorder = t.app.get(RefundEventRecorder);
  });
  afterAll(async () => {
    await t.close();
    await stripeApi.stop();
  });
  beforeEach(() => {
    stripeApi.override = async (call) => ({ status: 200, body: refundAnswer(call) });
  });

  const repository = () => t.dataSource.getRepository(TransactionEntity);
  const row = (id: number) => repository().findOneByOrFail({ id });
  const refundRows = (chargeId: number) =>
    repository().find({
      where: { type: 'refund', parentTransactionId: chargeId },
      order: { id: 'ASC' },
    });

  /** A succeeded Stripe charge of 2000 usd as checkout would have recorded it. */
  async function storedCharge(): Promise<TransactionEntity> {
    const n = ++chargeSeq;
    return repository().save(
      repository().create({
        provider: 'stripe',
        type: 'charge',
        status: 'succeeded',
        amount: 2000,
        currency: 'usd',
        customerRef: 'user-7',
        providerPaymentIntentId: `pi_test_refunds_${n}`,
        providerChargeId: `ch_test_refunds_${n}`,
        metadata: {},
        providerUpdatedAt: new Date('2026-01-01T00:00:00Z'),
      }),
    );
  }

  function dashboardRefund(charge: TransactionEntity, overrides: StripeObject = {}): StripeObject {
    return stripeObject('refund', {
      id: `re_dash_${++refundSeq}`,
      amount: 500,
      charge: charge.providerChargeId,
      payment_intent: charge.providerPaymentIntentId,
      metadata: {},
      reason: 'requested_by_customer',
      status: 'succeeded',
      ...overrides,
    });
  }

  function chargeRefundedObject(charge: TransactionEntity, refunds: StripeObject[]): StripeObject {
    return stripeObject('charge.refunded', {
      id: charge.providerChargeId,
      payment_intent: charge.providerPaymentIntentId,
      amount: charge.amount,
      amount_refunded: refunds.reduce((sum, refund) => sum + (refund.amount as number), 0),
      refunds: {
        object: 'list',
        data: refunds,
        has_more: false,
        url: `/v1/charges/${charge.providerChargeId}/refunds`,
      },
    });
  }

  /** Delivers an event through the real webhook route, signed with the real secret. */
  async function deliver(event: StripeEventEnvelope, expected = 200): Promise<void> {
    const payload = JSON.stringify(event);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET });
    await t.http
      .post('/api/v1/payment/webhook')
      .set('content-type', 'application/json')
      .set('stripe-signature', signature)
      .send(payload)
      .expect(expected);
    // Durable listeners (orphan linking, the test's recorder) run after the commit.
    await waitForPaymentEvents(t.app);
  }

  it('sends the refund against the payment intent with the amount, an accepted reason and the idempotency key', async () => {
    const charge = await storedCharge();
    const res = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .set('Idempotency-Key', 'order-1001-refund-1')
      .send({ amount: 500, reason: 'requested_by_customer' })
      .expect(201);

    const [call] = stripeApi.callsTo('/v1/refunds').slice(-1);
    expect(call.idempotencyKey).toBe('refund-client-order-1001-refund-1');
    expect(Object.fromEntries(call.form)).toEqual({
      amount: '500',
      payment_intent: charge.providerPaymentIntentId,
      reason: 'requested_by_customer',
      'metadata[refund_ref]': String(res.body.id),
    });
    expect(res.body).toEqual(
      expect.objectContaining({
        status: 'succeeded',
        amount: 500,
        provider: 'stripe',
        provider_refund_id: expect.stringMatching(/^re_test_/),
      }),
    );
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 500 }),
    );
  });

  it("does not send a free-text reason such as 'fraud warning' as Stripe's reason", async () => {
    const charge = await storedCharge();
    const res = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .send({ reason: 'fraud warning' })
      .expect(201);

    const [call] = stripeApi.callsTo('/v1/refunds').slice(-1);
    expect(call.form.has('reason')).toBe(false);
    expect(call.form.get('metadata[reason_text]')).toBe('fraud warning');
    expect(call.form.get('amount')).toBe('2000');
    expect(call.idempotencyKey).toBe(`refund-${res.body.id}`);
    expect(res.body.reason).toBe('fraud warning');
  });

  it('refuses an over-refund or a refund of a refunded charge without calling Stripe', async () => {
    const charge = await storedCharge();
    const calls = stripeApi.callsTo('/v1/refunds').length;
    await t.http.post(`/api/v1/payment/refund/${charge.id}`).send({ amount: 2001 }).expect(400);
    expect(stripeApi.callsTo('/v1/refunds')).toHaveLength(calls);
    await t.http.post(`/api/v1/payment/refund/${charge.id}`).send({}).expect(201);
    await t.http.post(`/api/v1/payment/refund/${charge.id}`).send({}).expect(409);
    expect(stripeApi.callsTo('/v1/refunds')).toHaveLength(calls + 1);
  });

  it('records a dashboard refund once: charge.refunded delivered 3 times and refund.created once', async () => {
    const charge = await storedCharge();
    const refund = dashboardRefund(charge);
    const now = Math.floor(Date.now() / 1000);
    const chargeRefunded = stripeEvent('charge.refunded', chargeRefundedObject(charge, [refund]), {
      created: now,
    });
    await deliver(chargeRefunded);
    await deliver(chargeRefunded); // a redelivery of the same event
    await deliver(
      stripeEvent('charge.refunded', chargeRefundedObject(charge, [refund]), { created: now + 1 }),
    );
    await deliver(stripeEvent('refund.created', refund, { created: now }));

    const refunds = await refundRows(charge.id);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toEqual(
      expect.objectContaining({
        providerRefundId: refund.id,
        status: 'succeeded',
        amount: 500,
        reason: 'requested_by_customer',
        customerRef: 'user-7',
        idempotencyKey: null,
      }),
    );
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 500 }),
    );
    expect(
      recorder.created.filter((event) => event.refund.provider_refund_id === refund.id),
    ).toHaveLength(1);
    expect(
      recorder.updated.filter((event) => event.refund.provider_refund_id === refund.id),
    ).toHaveLength(0);
  });

  it('records refunds from the refunds list by id, never from amount_refunded', async () => {
    const charge = await storedCharge();
    const first = dashboardRefund(charge, { amount: 300 });
    const second = dashboardRefund(charge, { amount: 200 });
    // amount_refunded says 1500, but only two refunds of 500 in total are listed.
    await deliver(
      stripeEvent('charge.refunded', {
        ...chargeRefundedObject(charge, [first, second]),
        amount_refunded: 1500,
      }),
    );

    expect((await refundRows(charge.id)).map((refund) => refund.amount)).toEqual([300, 200]);
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 500 }),
    );
  });

  it('gives the amount back when a refund later fails, and ignores an older event after that', async () => {
    const charge = await storedCharge();
    const refund = dashboardRefund(charge, { amount: 2000 });
    const t0 = Math.floor(Date.now() / 1000);
    await deliver(stripeEvent('refund.created', refund, { created: t0 }));
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'refunded', amountRefunded: 2000 }),
    );

    await deliver(
      stripeEvent(
        'refund.failed',
        { ...refund, status: 'failed', failure_reason: 'expired_or_canceled_card' },
        { created: t0 + 60 },
      ),
    );
    const [failed] = await refundRows(charge.id);
    expect(failed).toEqual(
      expect.objectContaining({
        status: 'failed',
        metadata: { failure_reason: 'expired_or_canceled_card' },
      }),
    );
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'succeeded', amountRefunded: 0 }),
    );
    const updated = recorder.updated.filter(
      (event) => event.refund.provider_refund_id === refund.id,
    );
    expect(updated).toHaveLength(1);
    expect(updated[0]).toEqual(expect.objectContaining({ previousStatus: 'succeeded' }));
    expect(updated[0].charge).toEqual(
      expect.objectContaining({ status: 'succeeded', amount_refunded: 0 }),
    );

    // An older event (sent before the failure, delivered after it) changes nothing.
    await deliver(stripeEvent('refund.updated', refund, { created: t0 + 30 }));
    expect((await refundRows(charge.id))[0].status).toBe('failed');
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'succeeded', amountRefunded: 0 }),
    );

    // The money is refundable again.
    await t.http.post(`/api/v1/payment/refund/${charge.id}`).send({}).expect(201);
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'refunded', amountRefunded: 2000 }),
    );
  });

  it("attaches the refund id to our pending row when the refund's webhook arrives before Stripe's answer", async () => {
    const charge = await storedCharge();
    let seenBeforeAnswer: TransactionEntity[] = [];
    stripeApi.override = async (call) => {
      const refund = refundAnswer(call, { charge: charge.providerChargeId });
      await deliver(stripeEvent('refund.created', refund)); // Stripe's webhook overtakes its API answer
      seenBeforeAnswer = await refundRows(charge.id);
      return { status: 200, body: refund };
    };
    const res = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .send({ amount: 800 })
      .expect(201);

    // The webhook found our pending row through the refund_ref metadata: no second row, even briefly.
    expect(
      seenBeforeAnswer.map((refund) => [refund.id, refund.providerRefundId, refund.status]),
    ).toEqual([[res.body.id, res.body.provider_refund_id, 'succeeded']]);

    const refunds = await refundRows(charge.id);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toEqual(
      expect.objectContaining({
        id: res.body.id,
        status: 'succeeded',
        providerRefundId: res.body.provider_refund_id,
      }),
    );
    expect(refunds[0].providerUpdatedAt).not.toBeNull();
    await waitForPaymentEvents(t.app);
    expect(recorder.created.filter((event) => event.refund.id === res.body.id)).toHaveLength(1);
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 800 }),
    );
  });

  it('merges into one row when an early webhook could not be matched to our pending row', async () => {
    const charge = await storedCharge();
    stripeApi.override = async (call) => {
      const refund = refundAnswer(call, { charge: charge.providerChargeId });
      await deliver(stripeEvent('refund.created', { ...refund, metadata: {} }));
      return { status: 200, body: refund };
    };
    const res = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .send({ amount: 800 })
      .expect(201);

    const refunds = await refundRows(charge.id);
    expect(refunds.map((refund) => refund.id)).toEqual([res.body.id]);
    expect(refunds[0].providerRefundId).toBe(res.body.provider_refund_id);
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 800 }),
    );
  });

  it("releases the reserved amount when Stripe refuses the refund, and answers with Stripe's message", async () => {
    const charge = await storedCharge();
    stripeApi.override = async () => ({
      status: 400,
      body: {
        error: {
          type: 'invalid_request_error',
          code: 'charge_disputed',
          message: `Charge ${charge.providerChargeId} has been charged back; cannot issue a refund.`,
        },
      },
    });
    const key = `refused-${Date.now()}`;
    const res = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .set('Idempotency-Key', key)
      .send({ amount: 700 })
      .expect(400);

    expect(res.body.message).toContain('has been charged back');
    const [refund] = await refundRows(charge.id);
    expect(refund).toEqual(
      expect.objectContaining({ status: 'failed', amount: 700, providerRefundId: null }),
    );
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'succeeded', amountRefunded: 0 }),
    );

    // A retry with the same key gets the same refusal without asking Stripe again.
    const calls = stripeApi.callsTo('/v1/refunds').length;
    const retry = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .set('Idempotency-Key', key)
      .send({ amount: 700 })
      .expect(400);
    expect(retry.body.message).toBe(res.body.message);
    expect(stripeApi.callsTo('/v1/refunds')).toHaveLength(calls);
    expect(await refundRows(charge.id)).toHaveLength(1);
  });

  it('answers 202 and keeps the amount reserved when Stripe answers 503 (outcome unknown); the same key returns the row; the settling job completes it', async () => {
    const charge = await storedCharge();
    stripeApi.override = async () => ({
      status: 503,
      body: { error: { type: 'api_error', message: 'Service unavailable' } },
      headers: { 'stripe-should-retry': 'false' },
    });
    const key = `retry-${Date.now()}`;
    const first = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .set('Idempotency-Key', key)
      .send({ amount: 600 })
      .expect(202);
    expect(first.body).toEqual(expect.objectContaining({ status: 'pending', amount: 600 }));

    const [pending] = await refundRows(charge.id);
    expect(pending).toEqual(expect.objectContaining({ status: 'pending', amount: 600 }));
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 600 }),
    );
    // While the outcome is unknown, the reserved amount cannot be refunded a second time.
    const over = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .send({ amount: 1500 })
      .expect(400);
    expect(over.body.details.remaining_amount).toBe(1400);

    stripeApi.override = async (call) => ({ status: 200, body: refundAnswer(call) });
    const calls = stripeApi.callsTo('/v1/refunds').length;
    const retry = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .set('Idempotency-Key', key)
      .send({ amount: 600 })
      .expect(202);
    expect(retry.body).toEqual(expect.objectContaining({ id: pending.id, status: 'pending' }));
    expect(stripeApi.callsTo('/v1/refunds')).toHaveLength(calls);

    await t.app.get(RefundSettlementJob).run();
    expect(await row(pending.id)).toEqual(expect.objectContaining({ status: 'succeeded' }));
    expect(
      stripeApi
        .callsTo('/v1/refunds')
        .filter((call) => call.idempotencyKey === `refund-client-${key}`),
    ).toHaveLength(2);
    expect(await refundRows(charge.id)).toHaveLength(1);
    await waitForPaymentEvents(t.app);
    expect(recorder.created.filter((event) => event.refund.id === pending.id)).toHaveLength(1);
  });

  it('sends a keyless refund whose outcome was unknown again from the CLI, with the same idempotency key', async () => {
    const charge = await storedCharge();
    stripeApi.override = async () => ({
      status: 503,
      body: { error: { type: 'api_error', message: 'Service unavailable' } },
      headers: { 'stripe-should-retry': 'false' },
    });
    await t.http.post(`/api/v1/payment/refund/${charge.id}`).send({ amount: 800 }).expect(202);
    const [pending] = await refundRows(charge.id);
    expect(pending).toEqual(expect.objectContaining({ status: 'pending', amount: 800 }));

    stripeApi.override = async (call) => ({ status: 200, body: refundAnswer(call) });
    const out: string[] = [];
    const code = await runCli(
      ['refunds', 'retry-pending', '--older-than-minutes', '0'],
      { out: (text) => out.push(text), err: (text) => out.push(text) },
      { ...t.env, DATABASE_URL: t.database.url, LOG_LEVEL: 'silent' },
    );
    expect(code).toBe(0);
    expect(out.join('\n')).toContain(`${pending.id}`);
    const [settled] = await refundRows(charge.id);
    expect(settled).toEqual(expect.objectContaining({ id: pending.id, status: 'succeeded' }));
    expect(settled.providerRefundId).toMatch(/^re_/);
    const keys = stripeApi
      .callsTo('/v1/refunds')
      .filter((call) => call.idempotencyKey === `refund-${pending.id}`);
    expect(keys).toHaveLength(2);
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 800 }),
    );
  });

  it('keeps the amount reserved when Stripe fails with a 500, whose outcome is unknown, so that no second refund can be sent', async () => {
    const charge = await storedCharge();
    // Stripe may have made the refund before failing: a 500's result is indeterminate.
    stripeApi.override = async () => ({
      status: 500,
      body: { error: { type: 'api_error', message: 'An unknown error occurred' } },
      headers: { 'stripe-should-retry': 'false' },
    });
    const key = `indeterminate-${Date.now()}`;
    await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .set('Idempotency-Key', key)
      .send({ amount: 1500 })
      .expect(202);

    const [pending] = await refundRows(charge.id);
    expect(pending).toEqual(expect.objectContaining({ status: 'pending', amount: 1500 }));
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 1500 }),
    );
    // A keyless retry of "the same" refund must not reach Stripe with a new key.
    const calls = stripeApi.callsTo('/v1/refunds').length;
    stripeApi.override = async (call) => ({ status: 200, body: refundAnswer(call) });
    await t.http.post(`/api/v1/payment/refund/${charge.id}`).send({ amount: 1500 }).expect(400);
    expect(stripeApi.callsTo('/v1/refunds')).toHaveLength(calls);

    // The settling job reaches Stripe with the same idempotency key and completes it.
    await t.app.get(RefundSettlementJob).run();
    expect(await row(pending.id)).toEqual(expect.objectContaining({ status: 'succeeded' }));
    expect(stripeApi.callsTo('/v1/refunds').slice(-1)[0].idempotencyKey).toBe(
      `refund-client-${key}`,
    );
  });

  it('keeps a refund of a charge not recorded yet, and counts it once the charge is known', async () => {
    const n = ++chargeSeq;
    const ids = { pi: `pi_test_later_${n}`, ch: `ch_test_later_${n}` };
    const refund = stripeObject('refund', {
      id: `re_orphan_${n}`,
      amount: 1200,
      charge: ids.ch,
      payment_intent: ids.pi,
      metadata: {},
      status: 'succeeded',
    });
    await deliver(stripeEvent('refund.created', refund));
    const orphan = await repository().findOneByOrFail({ providerRefundId: refund.id as string });
    expect(orphan.parentTransactionId).toBeNull();

    const charge = await repository().save(
      repository().create({
        provider: 'stripe',
        type: 'charge',
        status: 'succeeded',
        amount: 2000,
        currency: 'usd',
        providerPaymentIntentId: ids.pi,
        providerChargeId: ids.ch,
        metadata: {},
      }),
    );
    const res = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .send({ amount: 900 })
      .expect(400);
    expect(res.body.details.remaining_amount).toBe(800);
    expect(await repository().findOneByOrFail({ id: orphan.id })).toEqual(
      expect.objectContaining({ parentTransactionId: charge.id }),
    );
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 1200 }),
    );
  });

  it("links a refund to its charge as soon as the charge's own webhook records it", async () => {
    const n = ++chargeSeq;
    const ids = { pi: `pi_test_first_${n}`, ch: `ch_test_first_${n}` };
    const refund = stripeObject('refund', {
      id: `re_before_${n}`,
      amount: 700,
      charge: ids.ch,
      payment_intent: ids.pi,
      metadata: {},
      status: 'succeeded',
    });
    const t0 = Math.floor(Date.now() / 1000);
    await deliver(stripeEvent('refund.created', refund, { created: t0 }));

    // The payment of one of our checkouts (its marker in the metadata) is recorded after the refund.
    const payment = stripeObject('payment-intent.succeeded', {
      id: ids.pi,
      latest_charge: ids.ch,
      customer: null,
      metadata: { payment_service: 'checkout' },
    });
    await deliver(stripeEvent('payment_intent.succeeded', payment, { created: t0 - 60 }));

    const charge = await repository().findOneByOrFail({
      type: 'charge',
      providerPaymentIntentId: ids.pi,
    });
    expect(charge).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 700 }),
    );
    expect(await refundRows(charge.id)).toEqual([
      expect.objectContaining({ providerRefundId: refund.id, parentTransactionId: charge.id }),
    ]);
  });

  it('recomputes a charge from its refunds when its payment succeeds after a refund was recorded', async () => {
    const charge = await storedCharge();
    await repository().update(charge.id, { status: 'pending', providerUpdatedAt: null });
    const t0 = Math.floor(Date.now() / 1000);
    await deliver(
      stripeEvent('refund.created', dashboardRefund(charge, { amount: 800 }), { created: t0 }),
    );
    expect(await refundRows(charge.id)).toHaveLength(1);

    const payment = stripeObject('payment-intent.succeeded', {
      id: charge.providerPaymentIntentId,
      latest_charge: charge.providerChargeId,
      amount: 2000,
      customer: null,
      metadata: { payment_service: 'checkout' },
    });
    await deliver(stripeEvent('payment_intent.succeeded', payment, { created: t0 + 5 }));

    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 800 }),
    );
  });

  it('announces a dashboard refund again when its event is replayed', async () => {
    const charge = await storedCharge();
    const refund = dashboardRefund(charge);
    const event = stripeEvent('refund.created', refund);
    await deliver(event);
    const announced = () =>
      recorder.created.filter((e) => e.refund.provider_refund_id === refund.id);
    await waitForPaymentEvents(t.app);
    expect(announced()).toHaveLength(1);

    await deliver(event); // a redelivery is acknowledged without effects
    await waitForPaymentEvents(t.app);
    expect(announced()).toHaveLength(1);
    await t.app.get(WebhooksService).replay(event.id);
    await waitForPaymentEvents(t.app);
    expect(announced()).toHaveLength(2);
    expect(announced()[1].providerEventId).toBe(event.id);
    expect(await refundRows(charge.id)).toHaveLength(1);
  });
});
