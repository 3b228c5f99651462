import type {
  SandboxCharge,
  SandboxDispute,
  SandboxEarlyFraudWarning,
  SandboxInvoice,
  SandboxSubscription,
} from './sandbox-objects.types';
import { createTestSandbox, type TestSandbox } from './sandbox.testing';

const DAY = 24 * 3600;
const iso = (unix: number) => new Date(unix * 1000).toISOString();

async function paid(s: TestSandbox, mode: 'payment' | 'subscription' = 'payment', key = 'k1') {
  const session = await s.provider.createCheckoutSession({
    mode,
    priceId: mode === 'payment' ? 'price_sandbox_onetime' : 'price_sandbox_monthly',
    quantity: 1,
    successUrl: '/ok',
    cancelUrl: '/cancel',
    metadata: {},
    idempotencyKey: key,
  });
  await s.checkout.pay(session.id);
  const row = s.store.sessions.get(session.id)!;
  s.sink.clear();
  return { paymentIntentId: row.payment_intent, subscriptionId: row.subscription };
}

describe('SandboxSimulatorService', () => {
  let s: TestSandbox;
  beforeEach(() => {
    s = createTestSandbox();
  });

  describe('the clock', () => {
    it('renews a monthly subscription at each period end: invoice.paid then customer.subscription.updated', async () => {
      const { subscriptionId } = await paid(s, 'subscription');
      const start = s.clock.now();
      const result = await s.simulator.advanceClock(70 * DAY);
      // Jan 31 anchor: renewals on Feb 28 and Mar 31; the next period ends Apr 30.
      expect(result.renewed.map((item) => iso(item.period_end))).toEqual([
        '2026-03-31T12:00:00.000Z',
        '2026-04-30T12:00:00.000Z',
      ]);
      expect(s.sink.types()).toEqual([
        'invoice.paid',
        'customer.subscription.updated',
        'invoice.paid',
        'customer.subscription.updated',
      ]);
      const envelopes = s.sink.envelopes();
      expect(envelopes.map((event) => iso(event.created))).toEqual([
        '2026-02-28T12:00:00.000Z',
        '2026-02-28T12:00:00.000Z',
        '2026-03-31T12:00:00.000Z',
        '2026-03-31T12:00:00.000Z',
      ]);
      const invoice = envelopes[2].data.object as SandboxInvoice;
      expect(invoice).toMatchObject({
        subscription: subscriptionId,
        status: 'paid',
        amount_paid: 900,
        billing_reason: 'subscription_cycle',
      });
      const subscription = envelopes[3].data.object as SandboxSubscription;
      expect(subscription).toMatchObject({ status: 'active', latest_invoice: invoice.id });
      expect(iso(subscription.current_period_start)).toBe('2026-03-31T12:00:00.000Z');
      expect(result).toMatchObject({
        now_unix: start + 70 * DAY,
        offset_seconds: 70 * DAY,
        ended: [],
      });
    });

    it('does nothing before the period ends', async () => {
      await paid(s, 'subscription');
      const result = await s.simulator.advanceClock(27 * DAY);
      expect(result.renewed).toEqual([]);
      expect(s.sink.events).toHaveLength(0);
    });

    it('ends a subscription set to cancel at its period end: customer.subscription.deleted, no renewal', async () => {
      const { subscriptionId } = await paid(s, 'subscription');
      await s.provider.cancelSubscriptionAtPeriodEnd(subscriptionId!, 'cancel');
      s.sink.clear();
      const result = await s.simulator.advanceClock(90 * DAY);
      expect(result).toMatchObject({ renewed: [], ended: [subscriptionId] });
      expect(s.sink.types()).toEqual(['customer.subscription.deleted']);
      const [deleted] = s.sink.envelopes();
      const subscription = deleted.data.object as SandboxSubscription;
      expect(subscription).toMatchObject({
        status: 'canceled',
        cancel_at_period_end: true,
        ended_at: subscription.current_period_end,
      });
      expect(deleted.created).toBe(subscription.current_period_end);
      await s.simulator.advanceClock(90 * DAY);
      expect(s.sink.events).toHaveLength(1);
    });

    it('renews a resumed subscription as usual', async () => {
      const { subscriptionId } = await paid(s, 'subscription');
      await s.provider.cancelSubscriptionAtPeriodEnd(subscriptionId!, 'cancel');
      await s.provider.resumeSubscription(subscriptionId!, 'resume');
      s.sink.clear();
      await s.simulator.advanceClock(29 * DAY);
      expect(s.sink.types()).toEqual(['invoice.paid', 'customer.subscription.updated']);
    });

    it('plays events of several subscriptions and sessions in time order', async () => {
      await paid(s, 'subscription', 'a');
      s.clock.advance(10 * DAY);
      const second = await paid(s, 'subscription', 'b');
      await s.provider.createCheckoutSession({
        mode: 'payment',
        priceId: 'price_sandbox_onetime',
        quantity: 1,
        successUrl: '/ok',
        cancelUrl: '/c',
        metadata: {},
        idempotencyKey: 'open',
      });
      await s.simulator.advanceClock(30 * DAY);
      const envelopes = s.sink.envelopes();
      expect(envelopes.map((event) => event.type)).toEqual([
        'checkout.session.expired',
        'invoice.paid',
        'customer.subscription.updated',
        'invoice.paid',
        'customer.subscription.updated',
      ]);
      const created = envelopes.map((event) => event.created);
      expect([...created].sort((a, b) => a - b)).toEqual(created);
      expect((envelopes[4].data.object as SandboxSubscription).id).toBe(second.subscriptionId);
    });
  });

  describe('disputes', () => {
    it('opens a dispute with a 7-day deadline by default, updates it, closes it', async () => {
      const { paymentIntentId } = await paid(s);
      const { dispute } = await s.simulator.createDispute({
        paymentIntentId,
        chargeId: null,
        reason: 'fraudulent',
        dueInHours: 168,
        status: 'needs_response',
      });
      expect(dispute).toMatchObject({
        id: expect.stringMatching(/^dp_sbx_/),
        status: 'needs_response',
        amount: 2900,
        payment_intent: paymentIntentId,
      });
      expect(dispute.evidence_details.due_by).toBe(s.clock.now() + 7 * DAY);
      await s.simulator.updateDispute(dispute.id, { status: 'under_review', dueInHours: null });
      await s.simulator.closeDispute(dispute.id, 'won');
      expect(s.sink.types()).toEqual([
        'charge.dispute.created',
        'charge.dispute.updated',
        'charge.dispute.closed',
      ]);
      const [, updated, closed] = s.sink
        .envelopes()
        .map((event) => event.data.object as SandboxDispute);
      expect(updated).toMatchObject({ status: 'under_review', evidence_details: { due_by: null } });
      expect(closed.status).toBe('won');
      await expect(s.simulator.closeDispute(dispute.id, 'lost')).rejects.toMatchObject({
        code: 'conflict',
        message: `Dispute ${dispute.id} is already closed (won)`,
      });
    });

    it('allows a deadline already passed (negative hours) for the deadline job', async () => {
      const { paymentIntentId } = await paid(s);
      const { dispute } = await s.simulator.createDispute({
        paymentIntentId,
        chargeId: null,
        reason: 'general',
        dueInHours: -1,
        status: 'needs_response',
      });
      expect(dispute.evidence_details.due_by).toBe(s.clock.now() - 3600);
    });

    it('answers unknown ids with not_found and a second dispute with conflict', async () => {
      const { paymentIntentId } = await paid(s);
      await expect(
        s.simulator.createDispute({
          paymentIntentId: 'pi_sbx_nope',
          chargeId: null,
          reason: 'general',
          dueInHours: 1,
          status: 'needs_response',
        }),
      ).rejects.toMatchObject({
        code: 'not_found',
        message: 'Payment intent pi_sbx_nope not found',
      });
      await expect(
        s.simulator.createDispute({
          paymentIntentId: null,
          chargeId: 'ch_sbx_nope',
          reason: 'general',
          dueInHours: 1,
          status: 'needs_response',
        }),
      ).rejects.toMatchObject({ code: 'not_found', message: 'Charge ch_sbx_nope not found' });
      await expect(
        s.simulator.updateDispute('dp_sbx_nope', { status: 'under_review' }),
      ).rejects.toMatchObject({ code: 'not_found' });
      await s.simulator.createDispute({
        paymentIntentId,
        chargeId: null,
        reason: 'general',
        dueInHours: 1,
        status: 'needs_response',
      });
      await expect(
        s.simulator.createDispute({
          paymentIntentId,
          chargeId: null,
          reason: 'general',
          dueInHours: 1,
          status: 'needs_response',
        }),
      ).rejects.toMatchObject({ code: 'conflict' });
    });
  });

  describe('fraud warnings and dashboard refunds', () => {
    it('issues an actionable early fraud warning on a paid charge', async () => {
      const { paymentIntentId } = await paid(s);
      const { early_fraud_warning: warning } = await s.simulator.createFraudWarning({
        paymentIntentId,
        chargeId: null,
        fraudType: 'made_with_stolen_card',
      });
      expect(warning).toMatchObject({
        id: expect.stringMatching(/^issfr_sbx_/),
        actionable: true,
        payment_intent: paymentIntentId,
        fraud_type: 'made_with_stolen_card',
      });
      expect(s.sink.types()).toEqual(['radar.early_fraud_warning.created']);
      expect((s.sink.envelopes()[0].data.object as SandboxEarlyFraudWarning).charge).toBe(
        warning.charge,
      );
    });

    it('marks a warning on a fully refunded charge as not actionable', async () => {
      const { paymentIntentId } = await paid(s);
      await s.simulator.dashboardRefund({ paymentIntentId, chargeId: null, reason: null });
      const { early_fraud_warning: warning } = await s.simulator.createFraudWarning({
        paymentIntentId,
        chargeId: null,
        fraudType: 'misc',
      });
      expect(warning.actionable).toBe(false);
    });

    it('refunds from the "dashboard": refund.created and charge.refunded, delivered before answering', async () => {
      const { paymentIntentId } = await paid(s);
      const { refund, events } = await s.simulator.dashboardRefund({
        paymentIntentId,
        chargeId: null,
        amount: 500,
        reason: 'duplicate',
      });
      expect(refund).toMatchObject({ amount: 500, reason: 'duplicate', metadata: {} });
      expect(events.map((event) => event.type)).toEqual(['refund.created', 'charge.refunded']);
      expect(s.sink.deferred.size).toBe(0);
      expect((s.sink.envelopes()[1].data.object as SandboxCharge).amount_refunded).toBe(500);
      await expect(
        s.simulator.dashboardRefund({
          paymentIntentId,
          chargeId: null,
          amount: 2401,
          reason: null,
        }),
      ).rejects.toMatchObject({ kind: 'invalid_request' });
    });

    it('refuses a payment that did not succeed', async () => {
      const session = await s.provider.createCheckoutSession({
        mode: 'payment',
        priceId: 'price_sandbox_onetime',
        quantity: 1,
        successUrl: '/ok',
        cancelUrl: '/c',
        metadata: {},
        idempotencyKey: 'd',
      });
      await s.checkout.decline(session.id);
      const paymentIntentId = s.store.sessions.get(session.id)!.payment_intent;
      await expect(
        s.simulator.createFraudWarning({ paymentIntentId, chargeId: null, fraudType: 'misc' }),
      ).rejects.toMatchObject({ code: 'conflict' });
    });
  });
});
