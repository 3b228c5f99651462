import { PaymentEvents } from '../../src/events/payment-events';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { RefundSettlementJob } from '../../src/refunds/refund-settlement.job';
import { TransactionEntity } from '../../src/transactions/entities/transaction.entity';
import type { FakeFault, FakeStripeApi } from '../support/fake-stripe';
import { useStripeFaultApp } from '../support/stripe-fault-app';
import type { TestApp } from '../support/test-app';

/*
 * Fault injection (issue 14): the real `stripe` SDK against a fake api.stripe.com that
 * refuses connections, breaks them after reading (and processing) the request, never
 * answers, answers 500 after processing, or 429 before. The client does what each answer
 * says (503: retry; 202: do not retry), the settling job runs, and then "Stripe" and our
 * rows agree: one refund per request, never more than the charge.
 */
describe('refunds under provider faults', () => {
  let t: TestApp;
  let stripe: FakeStripeApi;
  let seq = 0;
  const setup = useStripeFaultApp();
  beforeAll(() => ({ t, stripe } = setup));

  const repository = () => t.dataSource.getRepository(TransactionEntity);

  async function storedCharge(): Promise<TransactionEntity> {
    const n = ++seq;
    return repository().save(
      repository().create({
        provider: 'stripe',
        type: 'charge',
        status: 'succeeded',
        amount: 2000,
        currency: 'usd',
        customerRef: 'user-faults',
        providerPaymentIntentId: `pi_faults_${n}_${Date.now()}`,
        providerChargeId: `ch_faults_${n}_${Date.now()}`,
        metadata: {},
      }),
    );
  }

  /** What "Stripe" refunded on this payment intent. */
  const refundedAtStripe = (charge: TransactionEntity) =>
    stripe
      .made('/v1/refunds')
      .filter((refund) => refund.payment_intent === charge.providerPaymentIntentId);

  const refundBody = { amount: 1000, reason: 'requested_by_customer' };

  /** The client: POST with a key; on 503 retry later with the same key; on 202 stop. */
  async function clientRefunds(charge: TransactionEntity, key: string) {
    return t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .set('Idempotency-Key', key)
      .send(refundBody);
  }

  async function expectAgreement(charge: TransactionEntity): Promise<void> {
    const made = refundedAtStripe(charge);
    const ours = await repository().find({
      where: { type: 'refund', parentTransactionId: charge.id },
    });
    const stored = await repository().findOneByOrFail({ id: charge.id });
    const madeTotal = made.reduce((sum, refund) => sum + Number(refund.amount), 0);
    expect(made).toHaveLength(1);
    expect(madeTotal).toBe(1000);
    expect(ours).toHaveLength(1);
    expect(ours[0]).toEqual(
      expect.objectContaining({ status: 'succeeded', providerRefundId: made[0].id }),
    );
    expect(stored.amountRefunded).toBe(madeTotal);
    expect(stored.amountRefunded).toBeLessThanOrEqual(stored.amount);
    expect(stored.status).toBe('partially_refunded');
  }

  it.each<[FakeFault, number]>([
    ['refuse', 503],
    [429, 503],
  ])(
    'fault %s: answers 503, nothing reserved; the retry with the same key makes it once',
    async (fault, status) => {
      const charge = await storedCharge();
      const key = `fault-${String(fault)}-${Date.now()}`;
      await stripe.setFault(fault);

      const first = await clientRefunds(charge, key);
      expect(first.status).toBe(status);
      expect(first.body.message).toMatch(/payment provider/i);
      // Nothing reserved: the whole charge is refundable again.
      expect(await repository().findOneByOrFail({ id: charge.id })).toEqual(
        expect.objectContaining({ status: 'succeeded', amountRefunded: 0 }),
      );
      expect(await repository().countBy({ type: 'refund', parentTransactionId: charge.id })).toBe(
        0,
      );

      await stripe.setFault(null);
      const retry = await clientRefunds(charge, key);
      expect(retry.status).toBe(201);
      await t.app.get(RefundSettlementJob).run();
      await expectAgreement(charge);
    },
  );

  it.each<[FakeFault]>([['reset'], ['timeout'], [500]])(
    'fault %s: answers 202 pending (do not retry); the same key returns the same row; the job settles it once',
    async (fault) => {
      const charge = await storedCharge();
      const key = `fault-${String(fault)}-${Date.now()}`;
      await stripe.setFault(fault);

      const first = await clientRefunds(charge, key);
      expect(first.status).toBe(202);
      expect(first.body).toEqual(
        expect.objectContaining({ type: 'refund', status: 'pending', amount: 1000 }),
      );
      // The amount stays reserved: nothing more than what remains can be refunded meanwhile.
      expect(await repository().findOneByOrFail({ id: charge.id })).toEqual(
        expect.objectContaining({ amountRefunded: 1000 }),
      );

      // A retry with the same key (even while Stripe is still failing) is the same row, no call.
      const calls = stripe.callsTo('/v1/refunds').length;
      const again = await clientRefunds(charge, key);
      expect(again.status).toBe(202);
      expect(again.body.id).toBe(first.body.id);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(stripe.callsTo('/v1/refunds')).toHaveLength(calls);

      // Still failing: the job leaves it pending and reserved.
      const stillFailing = await t.app.get(RefundSettlementJob).run();
      expect(stillFailing.refunds.map((r) => r.refund.id)).toContain(first.body.id);
      expect((await repository().findOneByOrFail({ id: first.body.id })).status).toBe('pending');

      await stripe.setFault(null);
      const settled = await t.app.get(RefundSettlementJob).run();
      expect(settled.refunds.find((r) => r.refund.id === first.body.id)?.error).toBeNull();
      await expectAgreement(charge);
      // Every call for this refund carried the same key: Stripe made it once.
      const keys = new Set(
        stripe
          .callsTo('/v1/refunds')
          .filter((call) => call.form.get('payment_intent') === charge.providerPaymentIntentId)
          .map((call) => call.idempotencyKey),
      );
      expect(keys).toEqual(new Set([`refund-client-${key}`]));

      // The client's later read (or the same key) sees the settled refund, 201.
      const after = await clientRefunds(charge, key);
      expect(after.status).toBe(201);
      expect(after.body).toEqual(
        expect.objectContaining({ id: first.body.id, status: 'succeeded' }),
      );
      await waitForPaymentEvents(t.app);
    },
  );

  it('settles a keyless refund whose request died mid-call (no outcome recorded) once it is stale', async () => {
    const charge = await storedCharge();
    await stripe.setFault('reset');
    const first = await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .send(refundBody)
      .expect(202);
    // As if the process had died before marking the outcome: no marker, recent.
    const row = await repository().findOneByOrFail({ id: first.body.id });
    const { outcome_unknown_since: _marker, ...rest } = row.metadata;
    await repository().update(row.id, { metadata: rest });
    await stripe.setFault(null);

    const soon = await t.app.get(RefundSettlementJob).run();
    expect(soon.refunds.map((r) => r.refund.id)).not.toContain(row.id);
    const later = await t.app
      .get(RefundSettlementJob)
      .run({ now: new Date(Date.now() + 10 * 60_000) });
    expect(later.refunds.map((r) => r.refund.id)).toContain(row.id);
    await expectAgreement(charge);
    expect(PaymentEvents.REFUND_CREATED).toBeDefined();
  });

  /** As if the refund's first call had been made a day ago: past Stripe's 24 h idempotency window. */
  const ageRefund = (id: number) =>
    t.dataSource.query(
      `UPDATE payment_transaction SET created_at = now() - interval '24 hours' WHERE id = $1`,
      [id],
    );

  it('past the idempotency window, looks a pending refund up instead of sending it again (made: recorded once)', async () => {
    const charge = await storedCharge();
    await stripe.setFault('reset');
    const first = await clientRefunds(charge, `fault-window-${Date.now()}`);
    expect(first.status).toBe(202);
    await stripe.setFault(null);
    await ageRefund(first.body.id);

    const posts = stripe.callsTo('/v1/refunds').length;
    const run = await t.app.get(RefundSettlementJob).run();
    expect(run.refunds.find((r) => r.refund.id === first.body.id)?.error).toBeNull();
    // No second POST /v1/refunds: Stripe would take the old key as a new request.
    expect(stripe.callsTo('/v1/refunds')).toHaveLength(posts);
    expect(
      stripe.calls.some(
        (call) =>
          call.method === 'GET' &&
          call.path === '/v1/refunds' &&
          call.query.get('payment_intent') === charge.providerPaymentIntentId,
      ),
    ).toBe(true);
    await expectAgreement(charge);
  });

  it('past the idempotency window, a pending refund the provider never made fails and frees its amount', async () => {
    const charge = await storedCharge();
    // 500 without processing: the outcome is unknown, but nothing was refunded.
    stripe.override = (call) =>
      call.method === 'POST' && call.path === '/v1/refunds'
        ? { status: 500, body: { error: { type: 'api_error', message: 'boom' } } }
        : undefined;
    const first = await clientRefunds(charge, `fault-never-${Date.now()}`);
    stripe.override = null;
    expect(first.status).toBe(202);
    await ageRefund(first.body.id);

    const posts = stripe.callsTo('/v1/refunds').length;
    await t.app.get(RefundSettlementJob).run();
    expect(stripe.callsTo('/v1/refunds')).toHaveLength(posts);
    expect(refundedAtStripe(charge)).toHaveLength(0);
    const refund = await repository().findOneByOrFail({ id: first.body.id });
    expect(refund.status).toBe('failed');
    expect(refund.metadata.failure_message).toMatch(/never made/);
    expect(await repository().findOneByOrFail({ id: charge.id })).toEqual(
      expect.objectContaining({ status: 'succeeded', amountRefunded: 0 }),
    );
  });

  it('skips while another run holds the lock, and enqueues one job per tick across instances', async () => {
    const job = t.app.get(RefundSettlementJob);
    // Lock first, with no job queued: an enqueued job would run at once on this app's worker
    // and could hold the lock itself while the runs below ask for it.
    const holder = t.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await holder.query(`SELECT pg_advisory_lock(hashtext('payment:refund-settle-job'))`);
      expect((await job.run()).skipped).toBe(true);
      await holder.query(`SELECT pg_advisory_unlock(hashtext('payment:refund-settle-job'))`);
      expect((await job.run()).skipped).toBe(false);
    } finally {
      await holder.release();
    }
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000 + 7_000_000);
    expect(await job.enqueueTick(tick)).toBe(true);
    expect(await job.enqueueTick(tick)).toBe(false);
  });
});
