import { Injectable, Module } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { OnPaymentEvent } from '../../src/events/on-payment-event.decorator';
import { PaymentEvents } from '../../src/events/payment-events';
import { SandboxStore } from '../../src/payment-provider/sandbox/sandbox.store';
import { TransactionEntity } from '../../src/transactions/entities/transaction.entity';
import type { RefundCreatedEvent, RefundUpdatedEvent } from '../../src/refunds/refunds.events';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { createTestApp, type TestApp } from '../support/test-app';

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

const refundUrl = (id: number | string) => `/api/v1/payment/refund/${id}`;

describe('refunds through the API (sandbox provider)', () => {
  let t: TestApp;
  let recorder: RefundEventRecorder;

  beforeAll(async () => {
    t = await createTestApp({}, { imports: [RecorderModule] });
    recorder = t.app.get(RefundEventRecorder);
  });
  afterAll(() => t.close());

  /** A charge paid through our checkout and the sandbox's hosted page: its charge row, recorded by the webhooks. */
  async function paidCharge(): Promise<TransactionEntity> {
    const checkout = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment', customer_ref: 'user-42' })
      .expect(201);
    const sessionId = checkout.body.session_id as string;
    // The hosted page delivers the payment's webhooks before it redirects.
    await t.http.post(`/sandbox/checkout/${sessionId}/pay`).expect(303);
    const charge = await t.http
      .get(`/api/v1/payment/transactions/by-session/${sessionId}`)
      .expect(200);
    expect(charge.body).toEqual(
      expect.objectContaining({ type: 'charge', status: 'succeeded', amount: 2900 }),
    );
    return t.dataSource
      .getRepository(TransactionEntity)
      .findOneByOrFail({ id: charge.body.id as number });
  }

  /** A succeeded charge row the sandbox does not know: for requests refused before any provider call. */
  async function storedCharge(): Promise<TransactionEntity> {
    const repository = t.dataSource.getRepository(TransactionEntity);
    return repository.save(
      repository.create({
        provider: 'sandbox',
        type: 'charge',
        status: 'succeeded',
        amount: 2900,
        currency: 'usd',
        providerPaymentIntentId: `pi_unknown_${randomUUID()}`,
        metadata: {},
      }),
    );
  }

  const row = (id: number) => t.dataSource.getRepository(TransactionEntity).findOneByOrFail({ id });
  const refundRows = (chargeId: number) =>
    t.dataSource
      .getRepository(TransactionEntity)
      .find({ where: { type: 'refund', parentTransactionId: chargeId }, order: { id: 'ASC' } });

  /** Waits until the sandbox's webhooks about these refunds (refund.created, charge.refunded) are processed. */
  async function webhooksProcessed(providerRefundIds: string[], chargeId: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const [{ created, charged }] = await t.dataSource.query<
        { created: number; charged: number }[]
      >(
        `SELECT
           count(*) FILTER (WHERE type = 'refund.created' AND payload->'data'->'object'->>'id' = ANY($1))::int AS created,
           count(*) FILTER (WHERE type = 'charge.refunded' AND payload->'data'->'object'->>'id' = $2)::int AS charged
         FROM payment_webhook_event WHERE status = 'processed'`,
        [providerRefundIds, chargeId],
      );
      if (created >= providerRefundIds.length && charged >= providerRefundIds.length) return;
      if (Date.now() > deadline)
        throw new Error(
          `webhooks not processed: ${created} refund.created, ${charged} charge.refunded`,
        );
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('refunds the remaining amount when no amount is given', async () => {
    const charge = await paidCharge();
    const res = await t.http
      .post(refundUrl(charge.id))
      .send({ reason: 'requested_by_customer' })
      .expect(201);

    expect(res.body).toEqual(
      expect.objectContaining({
        type: 'refund',
        status: 'succeeded',
        amount: 2900,
        currency: 'usd',
        reason: 'requested_by_customer',
        parent_transaction_id: charge.id,
        customer_ref: 'user-42',
        provider_refund_id: expect.stringMatching(/^re_/),
      }),
    );
    const updated = await row(charge.id);
    expect(updated).toEqual(expect.objectContaining({ status: 'refunded', amountRefunded: 2900 }));
    await waitForPaymentEvents(t.app);
    const created = recorder.created.find((event) => event.refund.id === res.body.id);
    expect(created).toEqual(expect.objectContaining({ providerEventId: null }));
    expect(created?.charge).toEqual(
      expect.objectContaining({ id: charge.id, status: 'refunded', amount_refunded: 2900 }),
    );
  });

  it('answers 400 with the remainder when a third partial refund exceeds what remains', async () => {
    const charge = await paidCharge();
    const first = await t.http
      .post(refundUrl(charge.id))
      .send({ amount: 1000, reason: 'requested_by_customer' })
      .expect(201);
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 1000 }),
    );
    await t.http.post(refundUrl(charge.id)).send({ amount: 900 }).expect(201);

    const res = await t.http.post(refundUrl(charge.id)).send({ amount: 1500 }).expect(400);
    expect(res.body.message).toBe(
      `amount 1500 exceeds the 1000 usd that remains refundable on transaction ${charge.id}`,
    );
    expect(res.body.details).toEqual(
      expect.objectContaining({ remaining_amount: 1000, fields: { amount: [res.body.message] } }),
    );
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 1900 }),
    );
    expect(await refundRows(charge.id)).toHaveLength(2);
    expect(first.body.amount).toBe(1000);
  });

  it('answers 409 to refunding a refund, and to refunding a fully refunded charge', async () => {
    const charge = await paidCharge();
    const refund = await t.http.post(refundUrl(charge.id)).send({}).expect(201);

    const ofRefund = await t.http.post(refundUrl(refund.body.id)).send({}).expect(409);
    expect(ofRefund.body.message).toBe(
      `Transaction ${refund.body.id} is a refund; only charges can be refunded`,
    );
    const again = await t.http.post(refundUrl(charge.id)).send({ amount: 1 }).expect(409);
    expect(again.body.message).toContain('is already fully refunded');
    expect(await refundRows(charge.id)).toHaveLength(1);
  });

  it('answers 409 to refunding a charge that did not succeed, without calling the provider', async () => {
    const repository = t.dataSource.getRepository(TransactionEntity);
    const failed = await repository.save(
      repository.create({
        provider: 'sandbox',
        type: 'charge',
        status: 'failed',
        amount: 500,
        currency: 'usd',
        providerPaymentIntentId: 'pi_never_paid',
        metadata: {},
      }),
    );
    const res = await t.http.post(refundUrl(failed.id)).send({}).expect(409);
    expect(res.body.message).toBe(
      `Transaction ${failed.id} is failed; only succeeded or partially refunded charges can be refunded`,
    );
    expect(await refundRows(failed.id)).toHaveLength(0);
  });

  it('answers 404 for an unknown transaction', async () => {
    const res = await t.http.post(refundUrl(987654)).send({}).expect(404);
    expect(res.body.message).toBe('Transaction 987654 not found');
    // Beyond PostgreSQL's integer: a 400 naming the parameter, not a database error.
    await t.http.post(refundUrl(99999999999)).send({}).expect(400);
  });

  it.each([
    ['zero', 0],
    ['negative', -100],
    ['not an integer', 10.5],
    ['a string', '500'],
  ])('answers 400 naming amount when it is %s', async (_name, amount) => {
    const charge = await storedCharge();
    const res = await t.http.post(refundUrl(charge.id)).send({ amount }).expect(400);
    expect(Object.keys(res.body.details.fields)).toEqual(['amount']);
    expect(await refundRows(charge.id)).toHaveLength(0);
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'succeeded', amountRefunded: 0 }),
    );
  });

  it('refuses a reason longer than 500 characters and unknown fields', async () => {
    const charge = await storedCharge();
    const long = await t.http
      .post(refundUrl(charge.id))
      .send({ reason: 'x'.repeat(501) })
      .expect(400);
    expect(Object.keys(long.body.details.fields)).toEqual(['reason']);
    const unknown = await t.http
      .post(refundUrl(charge.id))
      .send({ amount: 100, currency: 'eur' })
      .expect(400);
    expect(Object.keys(unknown.body.details.fields)).toEqual(['currency']);
  });

  it('lets exactly 10 of 20 concurrent 10% refunds through and never exceeds the charge', async () => {
    const charge = await paidCharge();
    const tenth = charge.amount / 10;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => t.http.post(refundUrl(charge.id)).send({ amount: tenth })),
    );
    const statuses = responses.map((res) => res.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    // The losers find the charge fully refunded (its status counts the reservations in flight): 409.
    expect(statuses.filter((status) => status === 409)).toHaveLength(10);
    const after = await row(charge.id);
    expect(after).toEqual(
      expect.objectContaining({ status: 'refunded', amountRefunded: charge.amount }),
    );
    const refunds = (await refundRows(charge.id)).filter((refund) => refund.status !== 'failed');
    expect(refunds).toHaveLength(10);
    expect(
      refunds.every((refund) => refund.status === 'succeeded' && refund.amount === tenth),
    ).toBe(true);
    expect(
      t.app.get(SandboxStore).charges.get(charge.providerChargeId as string)?.amount_refunded,
    ).toBe(charge.amount);
  });

  it("keeps one row when the refund's own webhooks arrive after the API answered", async () => {
    const charge = await paidCharge();
    const res = await t.http
      .post(refundUrl(charge.id))
      .send({ amount: 700, reason: 'fraud warning' })
      .expect(201);
    await webhooksProcessed([res.body.provider_refund_id], charge.providerChargeId as string);

    const refunds = await refundRows(charge.id);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toEqual(
      expect.objectContaining({
        id: res.body.id,
        status: 'succeeded',
        amount: 700,
        reason: 'fraud warning',
        providerRefundId: res.body.provider_refund_id,
      }),
    );
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 700 }),
    );
    // The free-text reason went to the provider as metadata, not as its reason code.
    const atProvider = t.app.get(SandboxStore).refunds.get(res.body.provider_refund_id);
    expect(atProvider).toEqual(
      expect.objectContaining({
        reason: null,
        metadata: { refund_ref: String(res.body.id), reason_text: 'fraud warning' },
      }),
    );
    // Announced once as created (by the API), and not again by its webhooks.
    await waitForPaymentEvents(t.app);
    expect(recorder.created.filter((event) => event.refund.id === res.body.id)).toHaveLength(1);
    await waitForPaymentEvents(t.app);
    expect(recorder.updated.filter((event) => event.refund.id === res.body.id)).toHaveLength(0);
  });

  it('records a refund made in the sandbox dashboard once', async () => {
    const charge = await paidCharge();
    const res = await t.http
      .post('/sandbox/simulate/refund')
      .send({ payment_intent_id: charge.providerPaymentIntentId, amount: 400 })
      .expect(201);
    const providerRefundId = (res.body as { refund: { id: string } }).refund.id;
    await webhooksProcessed([providerRefundId], charge.providerChargeId as string);

    const refunds = await refundRows(charge.id);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toEqual(
      expect.objectContaining({
        status: 'succeeded',
        amount: 400,
        providerRefundId,
        idempotencyKey: null,
        customerRef: 'user-42',
      }),
    );
    expect(await row(charge.id)).toEqual(
      expect.objectContaining({ status: 'partially_refunded', amountRefunded: 400 }),
    );
    await waitForPaymentEvents(t.app);
    const created = recorder.created.filter(
      (event) => event.refund.provider_refund_id === providerRefundId,
    );
    expect(created).toHaveLength(1);
    expect(created[0].providerEventId).toMatch(/^evt_/);

    // What remains after a dashboard refund is what the API allows.
    const over = await t.http.post(refundUrl(charge.id)).send({ amount: 2600 }).expect(400);
    expect(over.body.details.remaining_amount).toBe(2500);
  });

  it('answers a retry with the same Idempotency-Key with the same refund', async () => {
    const charge = await paidCharge();
    const key = `order-1001-refund-${randomUUID()}`;
    const first = await t.http
      .post(refundUrl(charge.id))
      .set('Idempotency-Key', key)
      .send({ amount: 300 })
      .expect(201);
    const second = await t.http
      .post(refundUrl(charge.id))
      .set('Idempotency-Key', key)
      .send({ amount: 300 })
      .expect(201);

    expect(second.headers['idempotent-replayed']).toBe('true');
    const stable = ({ id, status, amount, provider_refund_id }: Record<string, unknown>) => ({
      id,
      status,
      amount,
      provider_refund_id,
    });
    expect(stable(second.body)).toEqual(stable(first.body));
    expect(await refundRows(charge.id)).toHaveLength(1);
    expect(await row(charge.id)).toEqual(expect.objectContaining({ amountRefunded: 300 }));

    const other = await t.http
      .post(refundUrl(charge.id))
      .set('Idempotency-Key', key)
      .send({ amount: 301 })
      .expect(409);
    expect(other.body.message).toContain('was already used for a different refund request');
    await t.http
      .post(refundUrl(charge.id))
      .set('Idempotency-Key', 'has space')
      .send({})
      .expect(400);
  });

  it('refuses to replay a partial refund for a retry that asks for the whole remainder or another reason', async () => {
    const charge = await paidCharge();
    const key = `order-1002-refund-${randomUUID()}`;
    await t.http
      .post(refundUrl(charge.id))
      .set('Idempotency-Key', key)
      .send({ amount: 500, reason: 'requested_by_customer' })
      .expect(201);

    // "Refund everything" is another request than "refund 500": answering it with the 500
    // refund would make the client believe the whole charge was refunded.
    const whole = await t.http
      .post(refundUrl(charge.id))
      .set('Idempotency-Key', key)
      .send({})
      .expect(409);
    expect(whole.body.message).toContain('was already used for a different refund request');
    await t.http
      .post(refundUrl(charge.id))
      .set('Idempotency-Key', key)
      .send({ amount: 500, reason: 'duplicate' })
      .expect(409);
    await t.http
      .post(refundUrl(charge.id))
      .set('Idempotency-Key', key)
      .send({ amount: 500, reason: 'requested_by_customer' })
      .expect(201);
    expect(await refundRows(charge.id)).toHaveLength(1);
  });
});
