import { ProviderError, WebhookVerificationError } from '../payment-provider.errors';
import type { CreateCheckoutSessionInput } from '../payment-provider.types';
import { signSandboxPayload } from './sandbox-signature';
import { createTestSandbox, TEST_WEBHOOK_SECRET, type TestSandbox } from './sandbox.testing';

const checkoutInput = (
  overrides: Partial<CreateCheckoutSessionInput> = {},
): CreateCheckoutSessionInput => ({
  mode: 'payment',
  priceId: 'price_sandbox_onetime',
  quantity: 1,
  successUrl: 'http://localhost:8000/payment/success?session_id={CHECKOUT_SESSION_ID}',
  cancelUrl: 'http://localhost:8000/payment/cancel',
  metadata: { checkout_row: '1' },
  idempotencyKey: 'checkout-1',
  ...overrides,
});

const providerError = async (promise: Promise<unknown>): Promise<ProviderError> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  }
  throw new Error('expected a ProviderError');
};

/** A paid one-off session; returns its payment intent id. */
async function paidPayment(s: TestSandbox, key = 'paid-1'): Promise<string> {
  const session = await s.provider.createCheckoutSession(checkoutInput({ idempotencyKey: key }));
  await s.checkout.pay(session.id);
  return s.store.sessions.get(session.id)!.payment_intent!;
}

async function activeSubscription(s: TestSandbox): Promise<string> {
  const session = await s.provider.createCheckoutSession(
    checkoutInput({
      mode: 'subscription',
      priceId: 'price_sandbox_monthly',
      idempotencyKey: 'sub-checkout',
    }),
  );
  await s.checkout.pay(session.id);
  return s.store.sessions.get(session.id)!.subscription!;
}

describe('SandboxPaymentProvider', () => {
  let s: TestSandbox;
  beforeEach(() => {
    s = createTestSandbox();
  });

  describe('createCheckoutSession', () => {
    it('opens a session for 24 hours with a hosted page under PUBLIC_BASE_URL', async () => {
      const session = await s.provider.createCheckoutSession(
        checkoutInput({ quantity: 2, customerEmail: 'a@example.com', clientReferenceId: 'user-1' }),
      );
      expect(session.id).toMatch(/^cs_sbx_[A-Za-z0-9]{24}$/);
      expect(session).toMatchObject({
        mode: 'payment',
        status: 'open',
        paymentStatus: 'unpaid',
        url: `http://localhost:8000/sandbox/checkout/${session.id}`,
        amountTotal: 5800,
        currency: 'usd',
        customerEmail: 'a@example.com',
        clientReferenceId: 'user-1',
        metadata: { checkout_row: '1' },
      });
      expect(session.expiresAt!.getTime() / 1000).toBe(s.clock.now() + 24 * 3600);
      expect(s.sink.events).toHaveLength(0);
    });

    it('returns the same session for the same idempotency key', async () => {
      const first = await s.provider.createCheckoutSession(checkoutInput());
      const again = await s.provider.createCheckoutSession(checkoutInput());
      const other = await s.provider.createCheckoutSession(
        checkoutInput({ idempotencyKey: 'checkout-2' }),
      );
      expect(again).toEqual(first);
      expect(other.id).not.toBe(first.id);
      expect(s.store.sessions.size).toBe(2);
    });

    it('refuses an idempotency key reused with other parameters, as Stripe does', async () => {
      await s.provider.createCheckoutSession(checkoutInput());
      const error = await providerError(
        s.provider.createCheckoutSession(checkoutInput({ quantity: 3 })),
      );
      expect(error.kind).toBe('invalid_request');
      expect(error.message).toMatch(
        /Keys for idempotent requests can only be used with the same parameters/,
      );
    });

    it('does not remember a failed attempt: a corrected retry with the same key works', async () => {
      await providerError(
        s.provider.createCheckoutSession(checkoutInput({ priceId: 'price_nope' })),
      );
      const session = await s.provider.createCheckoutSession(checkoutInput());
      expect(session.status).toBe('open');
    });

    it.each([
      [
        'payment',
        'price_sandbox_monthly',
        "You specified 'payment' mode but passed a recurring price.",
      ],
      [
        'subscription',
        'price_sandbox_onetime',
        'You must provide at least one recurring price in `subscription` mode when using prices.',
      ],
      ['payment', 'price_nope', "No such price: 'price_nope'"],
    ] as const)('refuses %s mode with %s as invalid_request', async (mode, priceId, message) => {
      const error = await providerError(
        s.provider.createCheckoutSession(checkoutInput({ mode, priceId })),
      );
      expect(error.kind).toBe('invalid_request');
      expect(error.message).toBe(message);
      expect(s.store.sessions.size).toBe(0);
    });

    it('refuses an unknown customer and attaches a known one', async () => {
      const error = await providerError(
        s.provider.createCheckoutSession(checkoutInput({ providerCustomerId: 'cus_sbx_nope' })),
      );
      expect(error.message).toBe("No such customer: 'cus_sbx_nope'");
      const customer = await s.provider.createCustomer({
        externalRef: 'user-1',
        email: 'u@example.com',
        idempotencyKey: 'cust-1',
      });
      const session = await s.provider.createCheckoutSession(
        checkoutInput({ providerCustomerId: customer.id, idempotencyKey: 'k2' }),
      );
      expect(session).toMatchObject({ customerId: customer.id, customerEmail: 'u@example.com' });
    });
  });

  describe('createCustomer', () => {
    it('creates one customer per idempotency key', async () => {
      const first = await s.provider.createCustomer({
        externalRef: 'user-1',
        email: 'u@example.com',
        idempotencyKey: 'cust-1',
      });
      const again = await s.provider.createCustomer({
        externalRef: 'user-1',
        email: 'u@example.com',
        idempotencyKey: 'cust-1',
      });
      expect(first.id).toMatch(/^cus_sbx_/);
      expect(again).toEqual(first);
      expect(s.store.customers.get(first.id)?.metadata).toEqual({ external_ref: 'user-1' });
      expect(s.store.customers.size).toBe(1);
    });
  });

  describe('retrievePayment', () => {
    it('reads a paid payment and refuses an unknown one', async () => {
      const paymentIntentId = await paidPayment(s);
      await expect(s.provider.retrievePayment(paymentIntentId)).resolves.toMatchObject({
        id: paymentIntentId,
        status: 'succeeded',
        amount: 2900,
        currency: 'usd',
        chargeId: expect.stringMatching(/^ch_sbx_/),
        description: 'Premium eBook',
        metadata: { checkout_row: '1' },
      });
      const error = await providerError(s.provider.retrievePayment('pi_sbx_nope'));
      expect(error.message).toBe("No such payment_intent: 'pi_sbx_nope'");
    });
  });

  describe('lookups of calls whose outcome was unknown', () => {
    it('finds a refund by the metadata we sent with it, among the refunds of its payment only', async () => {
      const paymentIntent = await paidPayment(s);
      const other = await paidPayment(s, 'paid-2');
      const made = await s.provider.createRefund({
        paymentIntentId: paymentIntent,
        chargeId: null,
        amount: 500,
        metadata: { payment_service_refund_id: '7' },
        idempotencyKey: 'refund-7',
      });
      const lookup = (paymentIntentId: string, id: string) =>
        s.provider.findRefund({
          paymentIntentId,
          chargeId: null,
          metadata: { payment_service_refund_id: id },
        });
      expect(await lookup(paymentIntent, '7')).toEqual(
        expect.objectContaining({ id: made.id, amount: 500 }),
      );
      expect(await lookup(paymentIntent, '8')).toBeNull();
      expect(await lookup(other, '7')).toBeNull();
    });

    it('finds a checkout session by the metadata we sent with it, created since a time', async () => {
      const created = await s.provider.createCheckoutSession(
        checkoutInput({ metadata: { payment_service_checkout_id: '42' } }),
      );
      const since = new Date((s.clock.now() - 60) * 1000);
      expect(
        await s.provider.findCheckoutSession({
          createdSince: since,
          metadata: { payment_service_checkout_id: '42' },
        }),
      ).toEqual(expect.objectContaining({ id: created.id, url: created.url }));
      expect(
        await s.provider.findCheckoutSession({
          createdSince: since,
          metadata: { payment_service_checkout_id: '43' },
        }),
      ).toBeNull();
      expect(
        await s.provider.findCheckoutSession({
          createdSince: new Date((s.clock.now() + 60) * 1000),
          metadata: { payment_service_checkout_id: '42' },
        }),
      ).toBeNull();
    });
  });

  describe('createRefund', () => {
    it('refunds at once and sends refund.created then charge.refunded after returning', async () => {
      const paymentIntentId = await paidPayment(s);
      s.sink.clear();
      const refund = await s.provider.createRefund({
        paymentIntentId,
        chargeId: null,
        amount: 1000,
        reason: 'requested_by_customer',
        metadata: { refund_row: '9' },
        idempotencyKey: 'refund-9',
      });
      expect(refund).toMatchObject({
        id: expect.stringMatching(/^re_sbx_/),
        status: 'succeeded',
        amount: 1000,
        paymentIntentId,
        reason: 'requested_by_customer',
        metadata: { refund_row: '9' },
      });
      expect(s.sink.types()).toEqual(['refund.created', 'charge.refunded']);
      expect(s.sink.events.every((event) => s.sink.deferred.has(event.id))).toBe(true);
      const charge = s.sink.envelopes()[1].data.object as {
        amount_refunded: number;
        refunded: boolean;
        refunds: { id: string }[];
      };
      expect(charge).toMatchObject({
        amount_refunded: 1000,
        refunded: false,
        refunds: [{ id: refund.id }],
      });
    });

    it('returns the same refund for the same key without refunding twice', async () => {
      const paymentIntentId = await paidPayment(s);
      s.sink.clear();
      const input = {
        paymentIntentId,
        chargeId: null,
        amount: 1000,
        metadata: {},
        idempotencyKey: 'refund-1',
      };
      const first = await s.provider.createRefund(input);
      const again = await s.provider.createRefund(input);
      expect(again).toEqual(first);
      expect(s.store.refunds.size).toBe(1);
      expect(s.sink.types()).toEqual(['refund.created', 'charge.refunded']);
    });

    it('keeps a cumulative amount_refunded and the full refunds list on the charge', async () => {
      const paymentIntentId = await paidPayment(s);
      s.sink.clear();
      await s.provider.createRefund({
        paymentIntentId,
        chargeId: null,
        amount: 900,
        metadata: {},
        idempotencyKey: 'r1',
      });
      const chargeId = s.store.paymentIntents.get(paymentIntentId)!.latest_charge!;
      await s.provider.createRefund({
        paymentIntentId: null,
        chargeId,
        amount: 2000,
        metadata: {},
        idempotencyKey: 'r2',
      });
      const lastCharge = s.sink.envelopes()[3].data.object as {
        amount_refunded: number;
        refunded: boolean;
        refunds: unknown[];
      };
      expect(lastCharge).toMatchObject({ amount_refunded: 2900, refunded: true });
      expect(lastCharge.refunds).toHaveLength(2);
    });

    it.each([
      [3000, /Refund amount \(3000\) is greater than unrefunded amount on charge \(2900\)/],
      [0, /Invalid positive integer/],
      [-5, /Invalid positive integer/],
      [10.5, /Invalid positive integer/],
    ])('refuses an amount of %d as invalid_request', async (amount, message) => {
      const paymentIntentId = await paidPayment(s);
      s.sink.clear();
      const error = await providerError(
        s.provider.createRefund({
          paymentIntentId,
          chargeId: null,
          amount,
          metadata: {},
          idempotencyKey: `bad-${amount}`,
        }),
      );
      expect(error.kind).toBe('invalid_request');
      expect(error.message).toMatch(message);
      expect(s.sink.events).toHaveLength(0);
    });

    it('refuses refunding more than remains after an earlier refund', async () => {
      const paymentIntentId = await paidPayment(s);
      await s.provider.createRefund({
        paymentIntentId,
        chargeId: null,
        amount: 2000,
        metadata: {},
        idempotencyKey: 'r1',
      });
      const error = await providerError(
        s.provider.createRefund({
          paymentIntentId,
          chargeId: null,
          amount: 1000,
          metadata: {},
          idempotencyKey: 'r2',
        }),
      );
      expect(error.message).toMatch(/greater than unrefunded amount on charge \(900\)/);
      await s.provider.createRefund({
        paymentIntentId,
        chargeId: null,
        amount: 900,
        metadata: {},
        idempotencyKey: 'r3',
      });
      const done = await providerError(
        s.provider.createRefund({
          paymentIntentId,
          chargeId: null,
          amount: 1,
          metadata: {},
          idempotencyKey: 'r4',
        }),
      );
      expect(done.message).toMatch(/has already been refunded/);
    });

    it('refuses unknown or unpaid payments', async () => {
      expect(
        (
          await providerError(
            s.provider.createRefund({
              paymentIntentId: 'pi_sbx_x',
              chargeId: null,
              amount: 1,
              metadata: {},
              idempotencyKey: 'a',
            }),
          )
        ).message,
      ).toBe("No such payment_intent: 'pi_sbx_x'");
      expect(
        (
          await providerError(
            s.provider.createRefund({
              paymentIntentId: null,
              chargeId: 'ch_sbx_x',
              amount: 1,
              metadata: {},
              idempotencyKey: 'b',
            }),
          )
        ).message,
      ).toBe("No such charge: 'ch_sbx_x'");
      const session = await s.provider.createCheckoutSession(checkoutInput());
      await s.checkout.decline(session.id);
      const declined = s.store.sessions.get(session.id)!.payment_intent!;
      const error = await providerError(
        s.provider.createRefund({
          paymentIntentId: declined,
          chargeId: null,
          amount: 1,
          metadata: {},
          idempotencyKey: 'c',
        }),
      );
      expect(error.message).toMatch(/does not have a successful charge to refund/);
    });
  });

  describe('subscriptions', () => {
    it('schedules and undoes the cancellation, sending customer.subscription.updated each time', async () => {
      const subscriptionId = await activeSubscription(s);
      s.sink.clear();
      const canceled = await s.provider.cancelSubscriptionAtPeriodEnd(subscriptionId, 'cancel-1');
      expect(canceled).toMatchObject({
        status: 'active',
        cancelAtPeriodEnd: true,
        cancelAt: canceled.currentPeriodEnd,
      });
      expect(canceled.canceledAt).not.toBeNull();
      const resumed = await s.provider.resumeSubscription(subscriptionId, 'resume-1');
      expect(resumed).toMatchObject({
        status: 'active',
        cancelAtPeriodEnd: false,
        cancelAt: null,
        canceledAt: null,
      });
      expect(s.sink.types()).toEqual([
        'customer.subscription.updated',
        'customer.subscription.updated',
      ]);
      expect(s.sink.events.every((event) => s.sink.deferred.has(event.id))).toBe(true);
    });

    it('treats a repeated cancel as harmless: same key same answer, new key no new event', async () => {
      const subscriptionId = await activeSubscription(s);
      s.sink.clear();
      const first = await s.provider.cancelSubscriptionAtPeriodEnd(subscriptionId, 'cancel-1');
      expect(await s.provider.cancelSubscriptionAtPeriodEnd(subscriptionId, 'cancel-1')).toEqual(
        first,
      );
      expect(await s.provider.cancelSubscriptionAtPeriodEnd(subscriptionId, 'cancel-2')).toEqual(
        first,
      );
      expect(s.sink.types()).toEqual(['customer.subscription.updated']);
    });

    it('refuses to change an ended or unknown subscription', async () => {
      const subscriptionId = await activeSubscription(s);
      await s.provider.cancelSubscriptionAtPeriodEnd(subscriptionId, 'cancel-1');
      await s.simulator.advanceClock(32 * 24 * 3600);
      expect(s.store.subscriptions.get(subscriptionId)!.status).toBe('canceled');
      for (const call of [
        () => s.provider.resumeSubscription(subscriptionId, 'resume-1'),
        () => s.provider.cancelSubscriptionAtPeriodEnd(subscriptionId, 'cancel-2'),
      ]) {
        const error = await providerError(call());
        expect(error.kind).toBe('invalid_request');
        expect(error.message).toMatch(/A canceled subscription/);
      }
      expect(
        (await providerError(s.provider.resumeSubscription('sub_sbx_nope', 'x'))).message,
      ).toBe("No such subscription: 'sub_sbx_nope'");
    });
  });

  describe('parseWebhook / interpretEvent', () => {
    it('verifies and interprets the events the sandbox sends, and replays them alike', async () => {
      await paidPayment(s);
      expect(s.sink.events).toHaveLength(2);
      for (const event of s.sink.events) {
        const headers = {
          'sandbox-signature': signSandboxPayload(event.body, TEST_WEBHOOK_SECRET),
        };
        const parsed = s.provider.parseWebhook(Buffer.from(event.body), headers);
        expect(parsed.id).toBe(event.id);
        expect(parsed.type).toBe(event.type);
        expect(parsed.occurredAt.getTime()).toBe(s.clock.now() * 1000);
        expect(s.provider.interpretEvent(parsed.payload)).toEqual(parsed);
      }
      const [succeeded, completed] = s.sink.events.map((event) =>
        s.provider.parseWebhook(Buffer.from(event.body), {
          'sandbox-signature': signSandboxPayload(event.body, TEST_WEBHOOK_SECRET),
        }),
      );
      expect(succeeded.change?.kind).toBe('payment.succeeded');
      expect(completed.change).toMatchObject({
        kind: 'checkout.completed',
        session: { status: 'complete', paymentStatus: 'paid' },
      });
    });

    it('refuses a forged signature, and a signed body that is not JSON', () => {
      const body = '{"id":"evt_sbx_1"';
      expect(() =>
        s.provider.parseWebhook(Buffer.from(body), {
          'sandbox-signature': signSandboxPayload(body, 'whsec_wrong'),
        }),
      ).toThrow(/No sandbox-signature signature matches/);
      expect(() =>
        s.provider.parseWebhook(Buffer.from(body), {
          'sandbox-signature': signSandboxPayload(body, TEST_WEBHOOK_SECRET),
        }),
      ).toThrow(WebhookVerificationError);
      expect(() =>
        s.provider.parseWebhook(Buffer.from(body), {
          'sandbox-signature': signSandboxPayload(body, TEST_WEBHOOK_SECRET),
        }),
      ).toThrow(/not valid JSON/);
      expect(() =>
        s.provider.parseWebhook(Buffer.from(body), { 'stripe-signature': 't=1,v1=00' }),
      ).toThrow(/Missing sandbox-signature header/);
    });
  });
});
