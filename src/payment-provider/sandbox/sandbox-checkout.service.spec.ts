import type { CheckoutMode } from '../payment-provider.types';
import { successUrlFor } from './sandbox-checkout.service';
import type {
  SandboxCheckoutSession,
  SandboxInvoice,
  SandboxPaymentIntent,
  SandboxSubscription,
} from './sandbox-objects.types';
import { createTestSandbox, type TestSandbox } from './sandbox.testing';

async function open(s: TestSandbox, mode: CheckoutMode = 'payment', key = 'k1'): Promise<string> {
  const session = await s.provider.createCheckoutSession({
    mode,
    priceId: mode === 'payment' ? 'price_sandbox_onetime' : 'price_sandbox_monthly',
    quantity: 1,
    successUrl: 'https://shop.example/thanks?session_id={CHECKOUT_SESSION_ID}',
    cancelUrl: '/payment/cancel',
    clientReferenceId: 'user-7',
    customerEmail: 'buyer@example.com',
    metadata: { checkout_row: '5' },
    idempotencyKey: key,
  });
  return session.id;
}

describe('SandboxCheckoutService (the hosted page)', () => {
  let s: TestSandbox;
  beforeEach(() => {
    s = createTestSandbox();
  });

  it('shows an open session, and a 404 for an unknown one', async () => {
    const id = await open(s);
    await expect(s.checkout.view(id)).resolves.toMatchObject({
      kind: 'page',
      session: { id, status: 'open' },
    });
    await expect(s.checkout.view('cs_sbx_nope')).resolves.toMatchObject({
      kind: 'problem',
      status: 404,
    });
    await expect(s.checkout.pay('cs_sbx_nope')).resolves.toMatchObject({
      kind: 'problem',
      status: 404,
    });
    expect(s.sink.events).toHaveLength(0);
  });

  it('pays a one-off: payment_intent.succeeded, then checkout.session.completed, then the success URL', async () => {
    const id = await open(s);
    const outcome = await s.checkout.pay(id);
    expect(outcome).toEqual({
      kind: 'redirect',
      url: `https://shop.example/thanks?session_id=${id}`,
    });
    expect(s.sink.types()).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    expect(s.sink.deferred.size).toBe(0);
    const [succeeded, completed] = s.sink.envelopes();
    const paymentIntent = succeeded.data.object as SandboxPaymentIntent;
    expect(paymentIntent).toMatchObject({
      status: 'succeeded',
      amount: 2900,
      currency: 'usd',
      metadata: { checkout_row: '5' },
    });
    expect(s.store.charges.get(paymentIntent.latest_charge!)).toMatchObject({
      status: 'succeeded',
      paid: true,
      amount: 2900,
    });
    expect(completed.data.object).toMatchObject({
      id,
      status: 'complete',
      payment_status: 'paid',
      payment_intent: paymentIntent.id,
      subscription: null,
    });
    expect(completed.created).toBe(s.clock.now());
  });

  it('does not charge twice when Pay is clicked again, and shows a paid session without buttons', async () => {
    const id = await open(s);
    await s.checkout.pay(id);
    await expect(s.checkout.view(id)).resolves.toMatchObject({
      kind: 'problem',
      status: 200,
      title: 'Payment complete',
    });
    const again = await s.checkout.pay(id);
    expect(again).toEqual({
      kind: 'redirect',
      url: `https://shop.example/thanks?session_id=${id}`,
    });
    expect(s.sink.events).toHaveLength(2);
    expect(s.store.charges.size).toBe(1);
  });

  it('starts a subscription: customer.subscription.created, invoice.paid, checkout.session.completed', async () => {
    const id = await open(s, 'subscription');
    await s.checkout.pay(id);
    expect(s.sink.types()).toEqual([
      'customer.subscription.created',
      'invoice.paid',
      'checkout.session.completed',
    ]);
    const [created, paid, completed] = s.sink.envelopes();
    const subscription = created.data.object as SandboxSubscription;
    const invoice = paid.data.object as SandboxInvoice;
    const session = completed.data.object as SandboxCheckoutSession;
    const now = s.clock.now();
    expect(subscription).toMatchObject({
      status: 'active',
      price: { id: 'price_sandbox_monthly', amount: 900 },
      current_period_start: now,
      cancel_at_period_end: false,
      metadata: { checkout_row: '5' },
    });
    // The test clock starts on Jan 31: one month later is Feb 28.
    expect(new Date(subscription.current_period_end * 1000).toISOString()).toBe(
      '2026-02-28T12:00:00.000Z',
    );
    expect(invoice).toMatchObject({
      subscription: subscription.id,
      status: 'paid',
      amount_paid: 900,
      billing_reason: 'subscription_create',
    });
    expect(s.store.paymentIntents.get(invoice.payment_intent!)).toMatchObject({
      status: 'succeeded',
      invoice: invoice.id,
    });
    expect(session).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      subscription: subscription.id,
      payment_intent: null,
      customer: subscription.customer,
    });
    expect(s.store.customers.get(subscription.customer)).toMatchObject({
      email: 'buyer@example.com',
      metadata: { external_ref: 'user-7' },
    });
  });

  it('declines: payment_intent.payment_failed, the session stays open, then the cancel URL; paying later reuses the intent', async () => {
    const id = await open(s);
    expect(await s.checkout.decline(id)).toEqual({ kind: 'redirect', url: '/payment/cancel' });
    expect(s.sink.types()).toEqual(['payment_intent.payment_failed']);
    const failed = s.sink.envelopes()[0].data.object as SandboxPaymentIntent;
    expect(failed).toMatchObject({
      status: 'requires_payment_method',
      last_payment_error: { message: 'Your card was declined.' },
    });
    expect(s.store.charges.get(failed.latest_charge!)).toMatchObject({
      status: 'failed',
      failure_message: 'Your card was declined.',
    });
    expect(s.store.sessions.get(id)!.status).toBe('open');

    await s.checkout.pay(id);
    const succeeded = s.sink.envelopes()[1].data.object as SandboxPaymentIntent;
    expect(succeeded.id).toBe(failed.id);
    expect(succeeded.latest_charge).not.toBe(failed.latest_charge);
  });

  it('refuses to decline a paid session with a 409 page', async () => {
    const id = await open(s);
    await s.checkout.pay(id);
    await expect(s.checkout.decline(id)).resolves.toMatchObject({ kind: 'problem', status: 409 });
  });

  it('expires a session after 24 hours (checkout.session.expired) and answers 410 from then on', async () => {
    const id = await open(s);
    s.clock.advance(24 * 3600);
    await expect(s.checkout.view(id)).resolves.toMatchObject({ kind: 'problem', status: 410 });
    await expect(s.checkout.pay(id)).resolves.toMatchObject({ kind: 'problem', status: 410 });
    expect(s.sink.types()).toEqual(['checkout.session.expired']);
    expect(s.sink.envelopes()[0].created).toBe(s.store.sessions.get(id)!.expires_at);
  });

  it('expires an open session on request and refuses to expire it twice', async () => {
    const id = await open(s);
    const { session, events } = await s.checkout.expire(id);
    expect(session.status).toBe('expired');
    expect(events).toEqual([
      expect.objectContaining({ type: 'checkout.session.expired', delivered: true }),
    ]);
    await expect(s.checkout.expire(id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(s.checkout.expire('cs_sbx_nope')).rejects.toMatchObject({
      code: 'not_found',
      message: 'Checkout session cs_sbx_nope not found',
    });
  });
});

describe('successUrlFor', () => {
  it.each([
    ['https://a.example/ok?s={CHECKOUT_SESSION_ID}', 'https://a.example/ok?s=cs_sbx_1'],
    ['https://a.example/ok?s=%7BCHECKOUT_SESSION_ID%7D', 'https://a.example/ok?s=cs_sbx_1'],
    ['https://a.example/ok', 'https://a.example/ok'],
  ])('%s → %s', (template, expected) => {
    expect(successUrlFor({ id: 'cs_sbx_1', success_url: template } as SandboxCheckoutSession)).toBe(
      expected,
    );
  });
});
