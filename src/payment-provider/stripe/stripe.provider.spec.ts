import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  STRIPE_FIXTURE_IDS as ID,
  STRIPE_FIXTURE_TIME as T0,
  stripeObject,
  type StripeObject,
} from '../../../test/fixtures/stripe/events';
import { ProviderError, type ProviderErrorKind } from '../payment-provider.errors';
import type { ProviderRefundReason } from '../payment-provider.types';
import {
  DEFAULT_STRIPE_CLIENT_TUNING,
  StripePaymentProvider,
  type StripeClientTuning,
} from './stripe.provider';

/**
 * The real `stripe` SDK against a local HTTP server standing in for api.stripe.com: what we assert
 * is what would go over the wire (path, form parameters, Idempotency-Key) and how answers map back.
 */

interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** The urlencoded body, decoded: `{'line_items[0][price]': 'price_…'}` */
  form: Record<string, string>;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const SECRET_KEY = 'sk_test_51FakeKeyForTheLocalServer0123456789';
const NO_RETRIES: StripeClientTuning = { timeoutMs: 2_000, maxNetworkRetries: 0 };

let server: http.Server;
let baseUrl: URL;
let requests: RecordedRequest[];
let reply: (request: RecordedRequest) => Reply | null | 'reset';

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        headers: req.headers,
        form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
      };
      requests.push(recorded);
      const answer = reply(recorded);
      if (answer === null) return; // never answers: the client must time out
      if (answer === 'reset') {
        req.socket.destroy(); // the request was read, then the connection breaks
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  reply = () => ({ status: 500, body: { error: { type: 'api_error', message: 'no reply set' } } });
});

function providerAt(apiBase: URL = baseUrl, tuning: StripeClientTuning = NO_RETRIES) {
  return new StripePaymentProvider(
    {
      secretKey: SECRET_KEY,
      webhookSecrets: ['whsec_unused'],
      apiBase,
      webhookToleranceSeconds: 300,
    },
    tuning,
  );
}

function ok(body: StripeObject): Reply {
  return { status: 200, body };
}

function stripeError(status: number, error: StripeObject): Reply {
  return { status, body: { error }, headers: { 'request-id': 'req_test_123' } };
}

async function providerErrorOf(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

const checkoutInput = {
  priceId: 'price_1PgafmB7WZ01zgkW02Hf9z6c',
  quantity: 2,
  successUrl: 'https://shop.example.com/payment/success?session_id={CHECKOUT_SESSION_ID}',
  cancelUrl: 'https://shop.example.com/payment/cancel',
};

describe('StripePaymentProvider (real SDK, local server)', () => {
  describe('createCheckoutSession', () => {
    it('creates a payment-mode session for an existing customer and maps the answer', async () => {
      reply = () => ok(stripeObject('checkout-session.open'));

      const session = await providerAt().createCheckoutSession({
        ...checkoutInput,
        mode: 'payment',
        providerCustomerId: ID.customer,
        customerEmail: 'ignored-when-a-customer-is-set@example.com',
        clientReferenceId: 'user_42',
        metadata: { order_ref: 'order_1001', checkout_ref: '15' },
        idempotencyKey: 'checkout-session:15',
      });

      expect(requests).toHaveLength(1);
      const [request] = requests;
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/v1/checkout/sessions');
      expect(request.headers['idempotency-key']).toBe('checkout-session:15');
      expect(request.headers.authorization).toBe(`Bearer ${SECRET_KEY}`);
      expect(request.form).toEqual({
        mode: 'payment',
        'line_items[0][price]': 'price_1PgafmB7WZ01zgkW02Hf9z6c',
        'line_items[0][quantity]': '2',
        success_url: checkoutInput.successUrl,
        cancel_url: checkoutInput.cancelUrl,
        customer: ID.customer,
        client_reference_id: 'user_42',
        'metadata[order_ref]': 'order_1001',
        'metadata[checkout_ref]': '15',
        'payment_intent_data[metadata][order_ref]': 'order_1001',
        'payment_intent_data[metadata][checkout_ref]': '15',
      });
      expect(session).toEqual({
        id: ID.checkoutOpen,
        mode: 'payment',
        status: 'open',
        paymentStatus: 'unpaid',
        url: `https://checkout.stripe.com/c/pay/${ID.checkoutOpen}`,
        expiresAt: new Date((T0 + 86400) * 1000),
        amountTotal: 2000,
        currency: 'usd',
        paymentIntentId: null,
        subscriptionId: null,
        customerId: null,
        customerEmail: null,
        clientReferenceId: null,
        metadata: {},
      });
    });

    it('creates a subscription-mode session with a prefilled email and subscription metadata', async () => {
      reply = () => ok(stripeObject('checkout-session.open', { mode: 'subscription' }));

      const session = await providerAt().createCheckoutSession({
        ...checkoutInput,
        quantity: 1,
        mode: 'subscription',
        customerEmail: 'jenny.rosen@example.com',
        metadata: { plan_ref: 'pro' },
        idempotencyKey: 'checkout-session:16',
      });

      expect(requests[0].headers['idempotency-key']).toBe('checkout-session:16');
      expect(requests[0].form).toEqual({
        mode: 'subscription',
        'line_items[0][price]': 'price_1PgafmB7WZ01zgkW02Hf9z6c',
        'line_items[0][quantity]': '1',
        success_url: checkoutInput.successUrl,
        cancel_url: checkoutInput.cancelUrl,
        customer_email: 'jenny.rosen@example.com',
        'metadata[plan_ref]': 'pro',
        'subscription_data[metadata][plan_ref]': 'pro',
      });
      expect(session.mode).toBe('subscription');
    });

    it("keeps Stripe's message when the price does not fit the mode", async () => {
      const message = "You specified 'payment' mode but passed a recurring price.";
      reply = () =>
        stripeError(400, { type: 'invalid_request_error', message, param: 'line_items[0][price]' });

      const error = await providerErrorOf(
        providerAt().createCheckoutSession({
          ...checkoutInput,
          mode: 'payment',
          metadata: {},
          idempotencyKey: 'checkout-session:17',
        }),
      );

      expect(error.kind).toBe('invalid_request');
      expect(error.code).toBe('provider_invalid_request');
      expect(error.message).toBe(message);
      expect(error.retryable).toBe(false);
    });
  });

  describe('createRefund', () => {
    it('refunds the payment intent with a reason Stripe accepts', async () => {
      reply = () => ok(stripeObject('refund'));

      const refund = await providerAt().createRefund({
        paymentIntentId: ID.paymentIntent,
        chargeId: ID.charge,
        amount: 500,
        reason: 'requested_by_customer',
        metadata: { refund_ref: '7' },
        idempotencyKey: 'refund:7',
      });

      expect(requests[0].path).toBe('/v1/refunds');
      expect(requests[0].headers['idempotency-key']).toBe('refund:7');
      // The payment intent wins over the charge: Stripe refunds its successful charge.
      expect(requests[0].form).toEqual({
        amount: '500',
        payment_intent: ID.paymentIntent,
        reason: 'requested_by_customer',
        'metadata[refund_ref]': '7',
      });
      expect(refund).toEqual({
        id: ID.refund,
        paymentIntentId: ID.paymentIntent,
        chargeId: ID.charge,
        amount: 500,
        currency: 'usd',
        status: 'succeeded',
        reason: 'requested_by_customer',
        failureReason: null,
        metadata: { refund_ref: '7', reason_text: 'Arrived damaged' },
      });
    });

    it('never sends a free-text reason as reason; it travels only in the metadata the caller set', async () => {
      reply = () => ok(stripeObject('refund', { payment_intent: null, reason: null }));

      await providerAt().createRefund({
        paymentIntentId: null,
        chargeId: ID.charge,
        amount: 500,
        reason: 'Arrived damaged' as ProviderRefundReason,
        metadata: { refund_ref: '8', reason_text: 'Arrived damaged' },
        idempotencyKey: 'refund:8',
      });

      expect(requests[0].headers['idempotency-key']).toBe('refund:8');
      expect(requests[0].form).toEqual({
        amount: '500',
        charge: ID.charge,
        'metadata[refund_ref]': '8',
        'metadata[reason_text]': 'Arrived damaged',
      });
    });

    it('refuses without calling Stripe when there is nothing to refund against', async () => {
      const error = await providerErrorOf(
        providerAt().createRefund({
          paymentIntentId: null,
          chargeId: null,
          amount: 500,
          metadata: {},
          idempotencyKey: 'refund:9',
        }),
      );

      expect(error.kind).toBe('invalid_request');
      expect(requests).toHaveLength(0);
    });
  });

  describe('subscriptions', () => {
    it('schedules the cancellation at period end', async () => {
      reply = () => ok(stripeObject('subscription', { cancel_at_period_end: true }));

      const subscription = await providerAt().cancelSubscriptionAtPeriodEnd(
        ID.subscription,
        'subscription-cancel:3',
      );

      expect(requests[0].method).toBe('POST');
      expect(requests[0].path).toBe(`/v1/subscriptions/${ID.subscription}`);
      expect(requests[0].headers['idempotency-key']).toBe('subscription-cancel:3');
      expect(requests[0].form).toEqual({ cancel_at_period_end: 'true' });
      expect(subscription).toMatchObject({
        id: ID.subscription,
        status: 'active',
        cancelAtPeriodEnd: true,
        currentPeriodEnd: new Date((T0 + 31 * 86400) * 1000),
      });
    });

    it('resumes a subscription scheduled to cancel', async () => {
      reply = () => ok(stripeObject('subscription'));

      const subscription = await providerAt().resumeSubscription(
        ID.subscription,
        'subscription-resume:3',
      );

      expect(requests[0].path).toBe(`/v1/subscriptions/${ID.subscription}`);
      expect(requests[0].headers['idempotency-key']).toBe('subscription-resume:3');
      expect(requests[0].form).toEqual({ cancel_at_period_end: 'false' });
      expect(subscription.cancelAtPeriodEnd).toBe(false);
    });
  });

  describe('createCustomer', () => {
    it('creates the customer with the app user as external_ref', async () => {
      reply = () => ok(stripeObject('customer'));

      const customer = await providerAt().createCustomer({
        externalRef: 'user_42',
        email: 'jenny.rosen@example.com',
        idempotencyKey: 'customer:user_42',
      });

      expect(requests[0].path).toBe('/v1/customers');
      expect(requests[0].headers['idempotency-key']).toBe('customer:user_42');
      expect(requests[0].form).toEqual({
        email: 'jenny.rosen@example.com',
        'metadata[external_ref]': 'user_42',
      });
      expect(customer).toEqual({ id: ID.customer, email: 'jenny.rosen@example.com' });
    });
  });

  describe('retrievePayment', () => {
    it('reads the payment intent', async () => {
      reply = () => ok(stripeObject('payment-intent.succeeded'));

      const payment = await providerAt().retrievePayment(ID.paymentIntent);

      expect(requests[0].method).toBe('GET');
      expect(requests[0].path).toBe(`/v1/payment_intents/${ID.paymentIntent}`);
      expect(payment).toMatchObject({
        id: ID.paymentIntent,
        status: 'succeeded',
        chargeId: ID.charge,
      });
    });

    it("answers an unknown id with Stripe's message as an invalid request", async () => {
      reply = () =>
        stripeError(404, {
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'intent',
          message: "No such payment_intent: 'pi_missing'",
        });

      const error = await providerErrorOf(providerAt().retrievePayment('pi_missing'));

      expect(error.kind).toBe('invalid_request');
      expect(error.message).toBe("No such payment_intent: 'pi_missing'");
      expect(error.providerCode).toBe('resource_missing');
    });
  });

  describe('error translation', () => {
    const refund = (provider = providerAt()) =>
      provider.createRefund({
        paymentIntentId: ID.paymentIntent,
        chargeId: null,
        amount: 500,
        metadata: {},
        idempotencyKey: 'refund:errors',
      });

    it.each<[string, Reply, ProviderErrorKind, string | RegExp]>([
      [
        '401 bad API key',
        stripeError(401, {
          type: 'invalid_request_error',
          message: `Invalid API Key provided: ${SECRET_KEY.slice(0, 12)}****6789`,
        }),
        'provider_error',
        'Payment provider rejected our credentials',
      ],
      [
        '403 restricted key without permission',
        stripeError(403, {
          type: 'invalid_request_error',
          message: 'The provided key does not have the required permissions for this endpoint.',
        }),
        'provider_error',
        'Payment provider refused the request: the API key lacks a permission',
      ],
      [
        '402 card error',
        stripeError(402, {
          type: 'card_error',
          code: 'card_declined',
          message: 'Your card was declined.',
        }),
        'invalid_request',
        'Your card was declined.',
      ],
      [
        '400 idempotency error',
        stripeError(400, {
          type: 'idempotency_error',
          message:
            'Keys for idempotent requests can only be used with the same parameters they were first used with.',
        }),
        'invalid_request',
        /^Keys for idempotent requests/,
      ],
      [
        '429 rate limit',
        stripeError(429, {
          type: 'invalid_request_error',
          code: 'rate_limit',
          message: 'Too many requests',
        }),
        'unavailable',
        'Payment provider rate limit reached; retry later',
      ],
      [
        '409 same idempotency key still in flight',
        stripeError(409, {
          type: 'invalid_request_error',
          code: 'idempotency_key_in_use',
          message: 'There is currently another in-progress request using this Idempotent Key.',
        }),
        'unavailable',
        /^Payment provider is busy; retry later/,
      ],
      [
        '500 Stripe-side error',
        stripeError(500, { type: 'api_error', message: 'An unknown error occurred' }),
        'provider_error',
        'Payment provider error (Stripe request req_test_123)',
      ],
      [
        '503 Stripe unavailable',
        stripeError(503, { type: 'api_error', message: 'Service unavailable' }),
        'unavailable',
        /^Payment provider is busy/,
      ],
      [
        '200 with a body that is not JSON',
        { status: 200, body: '<html>proxy error</html>' },
        'provider_error',
        /^Payment provider error/,
      ],
    ])('translates %s', async (_name, answer, kind, message) => {
      reply = () => answer;

      const error = await providerErrorOf(refund());

      expect(error.kind).toBe(kind);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(SECRET_KEY.slice(0, 12));
      expect(error.retryable).toBe(kind === 'unavailable');
    });

    it('translates a refused connection to unavailable', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));

      const error = await providerErrorOf(refund(providerAt(new URL(`http://127.0.0.1:${port}`))));

      expect(error.kind).toBe('unavailable');
      expect(error.message).toBe('Payment provider is unreachable');
    });

    it('translates a timeout to unavailable', async () => {
      reply = () => null;

      const error = await providerErrorOf(
        refund(providerAt(baseUrl, { timeoutMs: 200, maxNetworkRetries: 0 })),
      );

      expect(error.kind).toBe('unavailable');
      expect(error.message).toBe('Payment provider did not answer in time');
    });

    it('translates an answer it cannot read to provider_error', async () => {
      reply = () => ok({ object: 'refund', id: 're_1' });

      const error = await providerErrorOf(refund());

      expect(error.kind).toBe('provider_error');
      expect(error.message).toMatch(/^Unexpected response from payment provider/);
    });

    it('retries a 500 once by default, with the same idempotency key', async () => {
      reply = () => stripeError(500, { type: 'api_error', message: 'An unknown error occurred' });

      const error = await providerErrorOf(
        providerAt(baseUrl, DEFAULT_STRIPE_CLIENT_TUNING).createRefund({
          paymentIntentId: ID.paymentIntent,
          chargeId: null,
          amount: 500,
          metadata: {},
          idempotencyKey: 'refund:retry',
        }),
      );

      expect(error.kind).toBe('provider_error');
      expect(requests.map((request) => request.headers['idempotency-key'])).toEqual([
        'refund:retry',
        'refund:retry',
      ]);
    });
  });

  describe('outcome of a failed call (not sent, refused, or unknown)', () => {
    const refundWith = (provider = providerAt(baseUrl, DEFAULT_STRIPE_CLIENT_TUNING)) =>
      provider.createRefund({
        paymentIntentId: ID.paymentIntent,
        chargeId: null,
        amount: 500,
        metadata: {},
        idempotencyKey: 'refund:outcome',
      });

    it('is not_sent when the connection is refused, after the SDK retries', async () => {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));

      const error = await providerErrorOf(
        refundWith(providerAt(new URL(`http://127.0.0.1:${port}`), DEFAULT_STRIPE_CLIENT_TUNING)),
      );

      expect(error.outcome).toBe('not_sent');
      expect(error.nothingMade).toBe(true);
    });

    it('is unknown when the connection breaks after the request was read', async () => {
      reply = () => 'reset';

      const error = await providerErrorOf(refundWith());

      expect(error.kind).toBe('unavailable');
      expect(error.outcome).toBe('unknown');
      expect(requests.length).toBeGreaterThanOrEqual(2); // the SDK retried with the same key
      expect(new Set(requests.map((r) => r.headers['idempotency-key']))).toEqual(
        new Set(['refund:outcome']),
      );
    });

    it('is unknown on a timeout', async () => {
      reply = () => null;

      const error = await providerErrorOf(
        refundWith(providerAt(baseUrl, { timeoutMs: 200, maxNetworkRetries: 1 })),
      );

      expect(error.outcome).toBe('unknown');
    });

    it('is unknown on a 500, and refused on a 400', async () => {
      reply = () => stripeError(500, { type: 'api_error', message: 'An unknown error occurred' });
      expect((await providerErrorOf(refundWith())).outcome).toBe('unknown');

      reply = () =>
        stripeError(400, { type: 'invalid_request_error', message: 'No such payment_intent' });
      expect((await providerErrorOf(refundWith())).outcome).toBe('refused');
    });

    it('is not_sent on a 429 alone, but unknown when an earlier attempt may have been processed', async () => {
      const tooMany = stripeError(429, {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests',
      });
      reply = () => tooMany;
      expect((await providerErrorOf(refundWith())).outcome).toBe('not_sent');

      let n = 0;
      reply = () =>
        ++n === 1 ? stripeError(500, { type: 'api_error', message: 'An unknown error' }) : tooMany;
      const error = await providerErrorOf(refundWith());
      expect(n).toBe(2);
      expect(error.outcome).toBe('unknown');
    });
  });

  it('refuses an API base with a path, which the SDK would silently drop', () => {
    expect(() => providerAt(new URL('http://127.0.0.1:12111/stripe'))).toThrow(
      'STRIPE_API_BASE must not have a path, got "/stripe"',
    );
  });
});
