import { createTestApp, type TestApp } from '../support/test-app';
import { FakeStripeApi, formMap } from '../support/fake-stripe';

/*
 * POST /checkout on the Stripe adapter: the real SDK talks to a local fake of api.stripe.com
 * (STRIPE_API_BASE), and the test asserts what went out on the wire and what came back.
 */

describe('checkout on the Stripe adapter (e2e)', () => {
  let t: TestApp;
  let stripe: FakeStripeApi;

  beforeAll(async () => {
    stripe = new FakeStripeApi();
    const apiBase = await stripe.start();
    t = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      STRIPE_API_BASE: apiBase,
      REDIRECT_ALLOWED_HOSTS: 'shop.example.com',
    });
  });
  afterAll(async () => {
    await t?.close();
    await stripe?.stop();
  });
  beforeEach(() => {
    stripe.override = null;
  });

  it('sends the line item, mode, URLs, customer, metadata and an idempotency key, and records the session', async () => {
    const response = await t.http
      .post('/api/v1/payment/checkout')
      .set('Idempotency-Key', 'order-1001-attempt')
      .send({
        price_id: 'price_fake_onetime',
        mode: 'payment',
        quantity: 2,
        success_url: '/thanks?session_id={CHECKOUT_SESSION_ID}',
        customer_ref: 'stripe-user-1',
        customer_email: 'buyer@example.com',
        metadata: { order_ref: 'order-1001' },
      })
      .expect(201);

    const [customerCall] = stripe.callsTo('/v1/customers');
    expect(customerCall.form.get('email')).toBe('buyer@example.com');
    expect(formMap(customerCall.form, 'metadata')).toEqual({ external_ref: 'stripe-user-1' });
    expect(customerCall.idempotencyKey).toMatch(/^customer-[0-9a-f]{32}$/);

    const sessionCalls = stripe.callsTo('/v1/checkout/sessions');
    expect(sessionCalls).toHaveLength(1);
    const { form, idempotencyKey } = sessionCalls[0];
    expect(form.get('mode')).toBe('payment');
    expect(form.get('line_items[0][price]')).toBe('price_fake_onetime');
    expect(form.get('line_items[0][quantity]')).toBe('2');
    // The template reaches Stripe with its braces intact: Stripe substitutes it on redirect.
    expect(form.get('success_url')).toBe(`${t.baseUrl}/thanks?session_id={CHECKOUT_SESSION_ID}`);
    expect(form.get('cancel_url')).toBe(`${t.baseUrl}/payment/cancel`);
    expect(form.get('customer')).toMatch(/^cus_fake_/);
    expect(form.get('customer_email')).toBeNull();
    expect(form.get('client_reference_id')).toBe('stripe-user-1');
    // Intent first: our checkout row's id travels with the session and the payment.
    const rowId = expect.stringMatching(/^[1-9][0-9]*$/);
    expect(formMap(form, 'metadata')).toEqual({
      order_ref: 'order-1001',
      payment_service: 'checkout',
      payment_service_checkout_id: rowId,
    });
    expect(formMap(form, 'payment_intent_data[metadata]')).toEqual({
      order_ref: 'order-1001',
      payment_service: 'checkout',
      payment_service_checkout_id: rowId,
    });
    expect(idempotencyKey).toMatch(/^checkout-[0-9a-f]{48}$/);

    expect(response.body).toEqual({
      session_id: expect.stringMatching(/^cs_test_fake_/),
      checkout_url: `https://checkout.stripe.com/c/pay/${response.body.session_id}`,
      expires_at: expect.any(String),
    });
    const session = (
      await t.http.get(`/api/v1/payment/checkout/${response.body.session_id}`).expect(200)
    ).body;
    expect(session).toEqual(
      expect.objectContaining({
        provider: 'stripe',
        status: 'open',
        amount_total: 4000,
        quantity: 2,
        customer_ref: 'stripe-user-1',
        metadata: { order_ref: 'order-1001' },
      }),
    );

    // A retry of the same request is answered from our record: Stripe is not called again.
    const retry = await t.http
      .post('/api/v1/payment/checkout')
      .set('Idempotency-Key', 'order-1001-attempt')
      .send({
        price_id: 'price_fake_onetime',
        mode: 'payment',
        quantity: 2,
        success_url: '/thanks?session_id={CHECKOUT_SESSION_ID}',
        customer_ref: 'stripe-user-1',
        customer_email: 'buyer@example.com',
        metadata: { order_ref: 'order-1001' },
      })
      .expect(201);
    expect(retry.body).toEqual(response.body);
    expect(stripe.callsTo('/v1/checkout/sessions')).toHaveLength(1);
  });

  it('uses a fresh idempotency key for each request without an Idempotency-Key', async () => {
    const before = stripe.callsTo('/v1/checkout/sessions').length;
    const body = {
      price_id: 'price_fake_onetime',
      mode: 'payment',
      customer_email: 'guest@example.com',
    };
    const first = await t.http.post('/api/v1/payment/checkout').send(body).expect(201);
    const second = await t.http.post('/api/v1/payment/checkout').send(body).expect(201);
    expect(first.body.session_id).not.toBe(second.body.session_id);
    const calls = stripe.callsTo('/v1/checkout/sessions').slice(before);
    expect(calls).toHaveLength(2);
    expect(calls[0].idempotencyKey).not.toBe(calls[1].idempotencyKey);
    expect(calls.every((call) => /^checkout-[0-9a-f-]{36}$/.test(call.idempotencyKey ?? ''))).toBe(
      true,
    );
    // No customer_ref: the email only prefills the page, no customer is made.
    expect(calls[0].form.get('customer_email')).toBe('guest@example.com');
    expect(calls[0].form.get('customer')).toBeNull();
  });

  it('sends a subscription checkout without the one-time payment marker', async () => {
    const before = stripe.callsTo('/v1/checkout/sessions').length;
    await t.http
      .post('/api/v1/payment/checkout')
      .send({
        price_id: 'price_fake_monthly',
        mode: 'subscription',
        success_url: 'https://shop.example.com/welcome',
      })
      .expect(201);
    const [call] = stripe.callsTo('/v1/checkout/sessions').slice(before);
    expect(call.form.get('mode')).toBe('subscription');
    expect(call.form.get('line_items[0][quantity]')).toBe('1');
    expect(call.form.get('success_url')).toBe('https://shop.example.com/welcome');
    expect(formMap(call.form, 'metadata')).toEqual({
      payment_service_checkout_id: expect.stringMatching(/^[1-9][0-9]*$/),
    });
    expect(formMap(call.form, 'payment_intent_data[metadata]')).toEqual({});
  });

  it("surfaces Stripe's mode/price refusal as a 400 with Stripe's text, recording nothing", async () => {
    const before = Number(
      (await t.dataSource.query('SELECT count(*) FROM payment_checkout_session'))[0].count,
    );
    const response = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_fake_monthly', mode: 'payment' })
      .expect(400);
    expect(response.body).toEqual(
      expect.objectContaining({
        statusCode: 400,
        message: "You specified 'payment' mode but passed a recurring price.",
      }),
    );
    expect(
      Number((await t.dataSource.query('SELECT count(*) FROM payment_checkout_session'))[0].count),
    ).toBe(before);
  });

  it('answers 502 without leaking details when Stripe refuses our credentials (a definite answer)', async () => {
    stripe.override = () => ({
      status: 401,
      body: {
        error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_x' },
      },
    });
    const response = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_fake_onetime', mode: 'payment' })
      .expect(502);
    expect(response.body.message).toContain('Payment provider rejected our credentials');
    expect(JSON.stringify(response.body)).not.toContain('sk_test_x');
  });

  it('answers 202 (outcome unknown; do not retry) without leaking details when Stripe fails with a 500', async () => {
    stripe.override = () => ({
      status: 500,
      body: { error: { type: 'api_error', message: 'sk_test_x exploded' } },
    });
    const response = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_fake_onetime', mode: 'payment' })
      .expect(202);
    expect(response.body).toEqual(
      expect.objectContaining({
        session_id: expect.stringMatching(/^intent_/),
        checkout_url: null,
      }),
    );
    expect(JSON.stringify(response.body)).not.toContain('sk_test_x');
  });
});
