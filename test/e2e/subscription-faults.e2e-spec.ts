import { SettlementJob } from '../../src/events/settlement-job';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { SubscriptionEntity } from '../../src/subscriptions/entities/subscription.entity';
import { signedStripeDelivery, stripeEvent, stripeObject } from '../fixtures/stripe/events';
import type { FakeFault, FakeStripeApi } from '../support/fake-stripe';
import { FAULT_WEBHOOK_SECRET, useStripeFaultApp } from '../support/stripe-fault-app';
import type { TestApp } from '../support/test-app';

/*
 * Cancel / resume under provider faults (issue 14), with the real `stripe` SDK against a fake
 * api.stripe.com that keeps its subscriptions. Not sent (refused connection, 429): 503, nothing
 * changed, the client's retry makes the change. Outcome unknown (reset after the request was
 * read, timeout, 500): 202 with pending_change, the same request answers the same 202 without a
 * provider call, and the settling job re-sends it with the row's own key until the row and
 * "Stripe" agree and the mark is cleared — or the webhook that shows the change clears it.
 */
describe('cancel / resume under provider faults', () => {
  let t: TestApp;
  let stripe: FakeStripeApi;
  let seq = 0;
  const setup = useStripeFaultApp();
  beforeAll(() => ({ t, stripe } = setup));

  const rows = () => t.dataSource.getRepository(SubscriptionEntity);
  const settle = () => t.app.get(SettlementJob).run();

  /** A live subscription, ours and "Stripe's", not scheduled to cancel. */
  async function subscription(): Promise<SubscriptionEntity> {
    const id = `sub_faults_${++seq}_${Date.now()}`;
    stripe.subscriptions.set(
      id,
      stripeObject('subscription', { id, customer: null, cancel_at_period_end: false }),
    );
    return rows().save(
      rows().create({
        provider: 'stripe',
        providerSubscriptionId: id,
        status: 'active',
        priceId: 'price_fake_monthly',
        quantity: 1,
        currentPeriodStart: new Date(Date.now() - 86_400_000),
        currentPeriodEnd: new Date(Date.now() + 29 * 86_400_000),
        cancelAtPeriodEnd: false,
        providerUpdatedAt: new Date(Date.now() - 3600_000),
        metadata: {},
      }),
    );
  }

  const callsFor = (row: SubscriptionEntity) =>
    stripe.callsTo(`/v1/subscriptions/${row.providerSubscriptionId}`);
  const atStripe = (row: SubscriptionEntity) =>
    stripe.subscriptions.get(row.providerSubscriptionId)!;

  async function expectAgreement(row: SubscriptionEntity, cancel: boolean): Promise<void> {
    const ours = await rows().findOneByOrFail({ id: row.id });
    expect(atStripe(row).cancel_at_period_end).toBe(cancel);
    expect(ours.cancelAtPeriodEnd).toBe(cancel);
    expect(ours.pendingChange).toBeNull();
    expect(ours.pendingChangeKey).toBeNull();
    const got = await t.http.get(`/api/v1/payment/subscriptions/${row.id}`).expect(200);
    expect(got.body).toEqual(
      expect.objectContaining({
        cancel_at_period_end: cancel,
        pending_change: null,
        pending_change_requested_at: null,
      }),
    );
  }

  it.each<[FakeFault]>([['refuse'], [429]])(
    'fault %s: 503 and nothing changed; the retry makes the change',
    async (fault) => {
      const row = await subscription();
      await stripe.setFault(fault);
      const first = await t.http.post(`/api/v1/payment/subscriptions/${row.id}/cancel`);
      expect(first.status).toBe(503);
      expect(first.body.message).toMatch(/payment provider/i);
      const after = await rows().findOneByOrFail({ id: row.id });
      expect(after).toEqual(
        expect.objectContaining({ cancelAtPeriodEnd: false, pendingChange: null }),
      );
      expect(atStripe(row).cancel_at_period_end).toBe(false);

      await stripe.setFault(null);
      const retry = await t.http.post(`/api/v1/payment/subscriptions/${row.id}/cancel`);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(
        expect.objectContaining({ cancel_at_period_end: true, pending_change: null }),
      );
      await settle();
      await expectAgreement(row, true);
    },
  );

  it.each<[FakeFault]>([['reset'], ['timeout'], [500]])(
    'fault %s: 202 with the pending cancel; the same request is the same 202 without a call; the job settles it with the same key',
    async (fault) => {
      const row = await subscription();
      await stripe.setFault(fault);
      const first = await t.http.post(`/api/v1/payment/subscriptions/${row.id}/cancel`);
      expect(first.status).toBe(202);
      expect(first.body).toEqual(
        expect.objectContaining({
          id: row.id,
          pending_change: 'cancel_at_period_end',
          pending_change_requested_at: expect.any(String),
        }),
      );

      const calls = callsFor(row).length;
      const again = await t.http.post(`/api/v1/payment/subscriptions/${row.id}/cancel`);
      expect(again.status).toBe(202);
      expect(again.body.pending_change).toBe('cancel_at_period_end');
      expect(callsFor(row)).toHaveLength(calls);
      // The opposite change waits for this one to be settled.
      const resume = await t.http.post(`/api/v1/payment/subscriptions/${row.id}/resume`);
      expect(resume.status).toBe(409);
      expect(resume.body.message).toMatch(/not known yet/);
      expect(callsFor(row)).toHaveLength(calls);

      // Still failing: the job leaves it pending.
      const stillFailing = await settle();
      expect(stillFailing.results.subscriptions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            subscription: expect.objectContaining({ id: row.id }),
            error: expect.any(String),
          }),
        ]),
      );
      expect((await rows().findOneByOrFail({ id: row.id })).pendingChange).toBe(
        'cancel_at_period_end',
      );

      await stripe.setFault(null);
      await settle();
      await expectAgreement(row, true);
      // Every call carried the key of the first request.
      const keys = new Set(callsFor(row).map((call) => call.idempotencyKey));
      expect(keys.size).toBe(1);
      expect([...keys][0]).toMatch(new RegExp(`^subscription-${row.id}-cancel-at-period-end-`));
      await waitForPaymentEvents(t.app);
    },
  );

  it('settles a resume whose outcome was unknown the same way', async () => {
    const row = await subscription();
    await t.http.post(`/api/v1/payment/subscriptions/${row.id}/cancel`).expect(200);
    await stripe.setFault('reset');
    const first = await t.http.post(`/api/v1/payment/subscriptions/${row.id}/resume`);
    expect(first.status).toBe(202);
    expect(first.body.pending_change).toBe('resume');
    await stripe.setFault(null);
    await settle();
    await expectAgreement(row, false);
  });

  it('a webhook that shows the change clears the pending mark; the job then calls nothing', async () => {
    const row = await subscription();
    await stripe.setFault('reset');
    await t.http.post(`/api/v1/payment/subscriptions/${row.id}/cancel`).expect(202);
    await stripe.setFault(null);
    const calls = callsFor(row).length;

    // "Stripe" made the change (the reset came after processing): its webhook arrives.
    expect(atStripe(row).cancel_at_period_end).toBe(true);
    const delivery = signedStripeDelivery(
      stripeEvent('customer.subscription.updated', atStripe(row)),
      FAULT_WEBHOOK_SECRET,
    );
    await t.http
      .post('/api/v1/payment/webhook')
      .set(delivery.headers)
      .send(delivery.body)
      .expect(200);
    await settle();
    expect(callsFor(row)).toHaveLength(calls);
    await expectAgreement(row, true);
  });
});
