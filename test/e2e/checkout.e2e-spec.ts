import { EventEmitter2 } from '@nestjs/event-emitter';
import { runCli } from '../../src/cli/run-cli';
import {
  CheckoutCompletedEvent,
  CheckoutExpiredEvent,
  TransactionFailedEvent,
  TransactionSucceededEvent,
} from '../../src/checkout/checkout.events';
import { PaymentEvents } from '../../src/events/payment-events';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Checkout end to end on the sandbox provider, through HTTP only: POST /checkout, the hosted
 * sandbox page (Pay / Decline forms posted as a browser would, 303 followed), the signed webhooks
 * the sandbox sends to our own route, and what the app then reads and hears.
 */

const ONE_TIME = 'price_sandbox_onetime'; // 2900 usd
const MONTHLY = 'price_sandbox_monthly'; // 900 usd / month

interface Heard<T = unknown> {
  name: string;
  payload: T;
}

describe('checkout (e2e, sandbox)', () => {
  let t: TestApp;
  const heard: Heard[] = [];

  beforeAll(async () => {
    t = await createTestApp({ REDIRECT_ALLOWED_HOSTS: 'shop.example.com,admin.example.com:8443' });
    const emitter = t.app.get(EventEmitter2);
    for (const name of [
      PaymentEvents.CHECKOUT_COMPLETED,
      PaymentEvents.CHECKOUT_EXPIRED,
      PaymentEvents.TRANSACTION_SUCCEEDED,
      PaymentEvents.TRANSACTION_FAILED,
    ]) {
      emitter.on(name, (payload: unknown) => heard.push({ name, payload }));
    }
  });
  afterAll(() => t?.close());

  const heardFor = <T>(name: string, match: (payload: T) => boolean): Heard<T>[] =>
    heard.filter((event) => event.name === name && match(event.payload as T)) as Heard<T>[];

  async function startCheckout(
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) {
    const response = await t.http.post('/api/v1/payment/checkout').set(headers).send(body);
    expect(response.status).toBe(201);
    return response.body as { session_id: string; checkout_url: string; expires_at: string };
  }

  /** Presses a button of the hosted page (a form POST) and returns where the 303 sends the buyer. */
  async function press(checkoutUrl: string, button: 'pay' | 'decline'): Promise<string> {
    const page = await t.http.get(new URL(checkoutUrl).pathname).expect(200);
    expect(page.text).toContain(`/${button}"`);
    const response = await t.http.post(`${new URL(checkoutUrl).pathname}/${button}`).expect(303);
    return response.headers.location;
  }

  const getSession = async (sessionId: string) =>
    (await t.http.get(`/api/v1/payment/checkout/${sessionId}`).expect(200)).body;

  const count = async (sql: string, params: unknown[] = []): Promise<number> =>
    Number((await t.dataSource.query(sql, params))[0].count);

  describe('one-time payment', () => {
    it('records the session open with the default redirect URLs, the marker hidden from the app', async () => {
      const created = await startCheckout({
        price_id: ONE_TIME,
        mode: 'payment',
        customer_ref: 'user-record',
        metadata: { order_ref: 'order-1' },
      });
      expect(created.session_id).toMatch(/^cs_/);
      expect(created.checkout_url).toBe(`${t.baseUrl}/sandbox/checkout/${created.session_id}`);
      expect(new Date(created.expires_at).getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000);

      const session = await getSession(created.session_id);
      expect(session).toEqual(
        expect.objectContaining({
          session_id: created.session_id,
          status: 'open',
          mode: 'payment',
          checkout_url: created.checkout_url,
          transaction_id: null,
          subscription_id: null,
          customer_ref: 'user-record',
          amount_total: 2900,
          currency: 'usd',
          metadata: { order_ref: 'order-1' },
        }),
      );
      const [row] = await t.dataSource.query(
        'SELECT success_url, cancel_url, price_id, quantity, status FROM payment_checkout_session WHERE provider_session_id = $1',
        [created.session_id],
      );
      expect(row).toEqual({
        success_url: `${t.baseUrl}/payment/success?session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${t.baseUrl}/payment/cancel`,
        price_id: ONE_TIME,
        quantity: 1,
        status: 'open',
      });
    });

    it('pays on the sandbox page: transaction succeeded, session complete, each event emitted once', async () => {
      const created = await startCheckout({
        price_id: ONE_TIME,
        mode: 'payment',
        customer_ref: 'user-pays',
        metadata: { order_ref: 'order-2' },
      });
      const location = await press(created.checkout_url, 'pay');
      expect(location).toBe(`${t.baseUrl}/payment/success?session_id=${created.session_id}`);

      const transaction = (
        await t.http
          .get(`/api/v1/payment/transactions/by-session/${created.session_id}`)
          .expect(200)
      ).body;
      expect(transaction).toEqual(
        expect.objectContaining({
          type: 'charge',
          status: 'succeeded',
          amount: 2900,
          amount_refunded: 0,
          currency: 'usd',
          customer_ref: 'user-pays',
          checkout_session_id: created.session_id,
          provider: 'sandbox',
          metadata: { order_ref: 'order-2' },
        }),
      );
      expect(transaction.provider_payment_intent_id).toMatch(/^pi_/);
      expect(transaction.provider_charge_id).toMatch(/^ch_/);

      const session = await getSession(created.session_id);
      expect(session).toEqual(
        expect.objectContaining({
          status: 'complete',
          payment_status: 'paid',
          transaction_id: transaction.id,
          provider_payment_intent_id: transaction.provider_payment_intent_id,
        }),
      );

      const completed = heardFor<CheckoutCompletedEvent>(
        PaymentEvents.CHECKOUT_COMPLETED,
        (p) => p.session.session_id === created.session_id,
      );
      expect(completed).toHaveLength(1);
      expect(completed[0].payload).toEqual(
        expect.objectContaining({
          customerRef: 'user-pays',
          providerSessionId: created.session_id,
          providerPaymentIntentId: transaction.provider_payment_intent_id,
          providerEventId: expect.stringMatching(/^evt_/),
          raw: expect.objectContaining({ id: created.session_id, object: 'checkout.session' }),
        }),
      );
      expect(completed[0].payload.transaction).toEqual(
        expect.objectContaining({ id: transaction.id, status: 'succeeded' }),
      );
      expect(completed[0].payload.session.metadata).toEqual({ order_ref: 'order-2' });
      const succeeded = heardFor<TransactionSucceededEvent>(
        PaymentEvents.TRANSACTION_SUCCEEDED,
        (p) => p.transaction.id === transaction.id,
      );
      expect(succeeded).toHaveLength(1);
      // The sandbox sends payment_intent.succeeded before checkout.session.completed: the payment's
      // event knows the buyer (through the customer) but not yet the session; the completion links it.
      expect(succeeded[0].payload).toEqual(
        expect.objectContaining({
          customerRef: 'user-pays',
          providerEventId: expect.stringMatching(/^evt_/),
        }),
      );
      expect(
        heardFor<TransactionFailedEvent>(
          PaymentEvents.TRANSACTION_FAILED,
          (p) => p.transaction.id === transaction.id,
        ),
      ).toHaveLength(0);

      expect(
        await count(
          `SELECT count(*) FROM payment_transaction WHERE provider_payment_intent_id = $1`,
          [transaction.provider_payment_intent_id],
        ),
      ).toBe(1);
      expect(
        await count(
          `SELECT count(*) FROM payment_webhook_event WHERE status <> 'processed' AND type LIKE 'checkout%'`,
        ),
      ).toBe(0);

      // The success page and the status route it polls see the confirmation.
      const status = await t.http.get(`/payment/status/${created.session_id}`).expect(200);
      expect(status.body).toEqual({
        status: 'confirmed',
        amount: 2900,
        currency: 'usd',
        reference: transaction.provider_payment_intent_id,
      });
      const page = await t.http
        .get(new URL(location).pathname + new URL(location).search)
        .expect(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.text).toContain('data-state="confirmed"');
      expect(page.text).toContain('$29.00');
      expect(page.text).toContain(transaction.provider_payment_intent_id);
    });

    it('records a declined card as a failed transaction, and a retry on the same page as succeeded', async () => {
      const created = await startCheckout({
        price_id: ONE_TIME,
        mode: 'payment',
        customer_ref: 'user-declined',
      });
      const location = await press(created.checkout_url, 'decline');
      expect(location).toBe(`${t.baseUrl}/payment/cancel`);
      const cancelPage = await t.http.get('/payment/cancel').expect(200);
      expect(cancelPage.text).toContain('Payment canceled');

      const failed = (
        await t.http
          .get('/api/v1/payment/transactions?customer_ref=user-declined&include=total')
          .expect(200)
      ).body;
      expect(failed.total).toBe(1);
      expect(failed.transactions[0]).toEqual(
        expect.objectContaining({
          status: 'failed',
          amount: 2900,
          reason: 'Your card was declined.',
          customer_ref: 'user-declined',
        }),
      );
      const failedId = failed.transactions[0].id;
      expect(
        heardFor<TransactionFailedEvent>(
          PaymentEvents.TRANSACTION_FAILED,
          (p) => p.transaction.id === failedId,
        ),
      ).toHaveLength(1);
      expect((await getSession(created.session_id)).status).toBe('open');
      expect(
        (await t.http.get(`/payment/status/${created.session_id}`).expect(200)).body.status,
      ).toBe('processing');

      await press(created.checkout_url, 'pay');
      const after = (
        await t.http
          .get('/api/v1/payment/transactions?customer_ref=user-declined&include=total')
          .expect(200)
      ).body;
      expect(after.total).toBe(1);
      expect(after.transactions[0]).toEqual(
        expect.objectContaining({
          id: failedId,
          status: 'succeeded',
          reason: null,
          checkout_session_id: created.session_id,
        }),
      );
      expect((await getSession(created.session_id)).transaction_id).toBe(failedId);
    });

    it('expires an open session once and announces it', async () => {
      const created = await startCheckout({ price_id: ONE_TIME, mode: 'payment' });
      const response = await t.http
        .post(`/sandbox/checkout/${created.session_id}/expire`)
        .expect(200);
      expect(response.body.events[0]).toEqual(
        expect.objectContaining({ type: 'checkout.session.expired', delivered: true }),
      );
      expect((await getSession(created.session_id)).status).toBe('expired');
      expect(
        heardFor<CheckoutExpiredEvent>(
          PaymentEvents.CHECKOUT_EXPIRED,
          (p) => p.session.session_id === created.session_id,
        ),
      ).toHaveLength(1);
      expect((await t.http.get(`/payment/status/${created.session_id}`).expect(200)).body).toEqual({
        status: 'expired',
        amount: 2900,
        currency: 'usd',
        reference: null,
      });
    });

    it('charges quantity × price when a quantity is given', async () => {
      const created = await startCheckout({ price_id: ONE_TIME, mode: 'payment', quantity: 2 });
      expect((await getSession(created.session_id)).amount_total).toBe(5800);
    });
  });

  describe('subscription mode', () => {
    it('completes the session with the provider subscription id and no charge row of its own', async () => {
      const created = await startCheckout({
        price_id: MONTHLY,
        mode: 'subscription',
        customer_ref: 'user-subscribes',
      });
      await press(created.checkout_url, 'pay');
      const session = await getSession(created.session_id);
      expect(session).toEqual(
        expect.objectContaining({
          status: 'complete',
          payment_status: 'paid',
          mode: 'subscription',
          transaction_id: null,
        }),
      );
      expect(session.provider_subscription_id).toMatch(/^sub_/);
      // The subscription row (the subscriptions feature's, made from customer.subscription.created) is linked.
      const [subscription] = await t.dataSource.query(
        'SELECT id FROM payment_subscription WHERE provider_subscription_id = $1',
        [session.provider_subscription_id],
      );
      expect(session.subscription_id).toBe(subscription.id);
      const completed = heardFor<CheckoutCompletedEvent>(
        PaymentEvents.CHECKOUT_COMPLETED,
        (p) => p.session.session_id === created.session_id,
      );
      expect(completed).toHaveLength(1);
      expect(completed[0].payload).toEqual(
        expect.objectContaining({
          transaction: null,
          providerSubscriptionId: session.provider_subscription_id,
          customerRef: 'user-subscribes',
        }),
      );
      expect((await t.http.get(`/payment/status/${created.session_id}`).expect(200)).body).toEqual({
        status: 'confirmed',
        amount: 900,
        currency: 'usd',
        reference: session.provider_subscription_id,
      });
    });

    it('refuses a quantity other than 1 with a 400 naming quantity', async () => {
      const response = await t.http
        .post('/api/v1/payment/checkout')
        .send({ price_id: MONTHLY, mode: 'subscription', quantity: 2 })
        .expect(400);
      expect(response.body.details.fields).toEqual({
        quantity: ['quantity must be 1 in subscription mode, got 2'],
      });
    });
  });

  describe('the provider customer of an app user', () => {
    it('is made once for a customer_ref used by two checkouts in a row', async () => {
      const first = await startCheckout({
        price_id: ONE_TIME,
        mode: 'payment',
        customer_ref: 'repeat-user',
        customer_email: 'r@example.com',
      });
      const second = await startCheckout({
        price_id: ONE_TIME,
        mode: 'payment',
        customer_ref: 'repeat-user',
      });
      expect(
        await count(`SELECT count(*) FROM payment_customer WHERE external_ref = 'repeat-user'`),
      ).toBe(1);
      const rows = await t.dataSource.query(
        'SELECT DISTINCT customer_id FROM payment_checkout_session WHERE provider_session_id = ANY($1)',
        [[first.session_id, second.session_id]],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].customer_id).not.toBeNull();
    });

    it('is made once under 5 concurrent first checkouts of the same user', async () => {
      const responses = await Promise.all(
        Array.from({ length: 5 }, () =>
          t.http
            .post('/api/v1/payment/checkout')
            .send({ price_id: ONE_TIME, mode: 'payment', customer_ref: 'concurrent-user' }),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      expect(new Set(responses.map((r) => r.body.session_id)).size).toBe(5);
      expect(
        await count(`SELECT count(*) FROM payment_customer WHERE external_ref = 'concurrent-user'`),
      ).toBe(1);
    });
  });

  describe('Idempotency-Key', () => {
    const body = { price_id: ONE_TIME, mode: 'payment', metadata: { cart: 'c-1' } };

    it('returns the same session to a retried request and records one row', async () => {
      const key = `retry-${Date.now()}`;
      const first = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      const retry = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(retry.body).toEqual(first.body);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(
        await count('SELECT count(*) FROM payment_checkout_session WHERE idempotency_key = $1', [
          key,
        ]),
      ).toBe(1);
    });

    it('returns one session to concurrent requests with the same key', async () => {
      const key = `concurrent-${Date.now()}`;
      const responses = await Promise.all(
        Array.from({ length: 4 }, () =>
          t.http.post('/api/v1/payment/checkout').set('Idempotency-Key', key).send(body),
        ),
      );
      expect(responses.map((r) => r.status)).toEqual([201, 201, 201, 201]);
      expect(new Set(responses.map((r) => r.body.session_id)).size).toBe(1);
      expect(
        await count('SELECT count(*) FROM payment_checkout_session WHERE idempotency_key = $1', [
          key,
        ]),
      ).toBe(1);
    });

    it('refuses the same key with another body with 409', async () => {
      const key = `reused-${Date.now()}`;
      const first = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      const other = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send({ ...body, quantity: 3 })
        .expect(409);
      expect(other.body.message).toContain(
        'Idempotency-Key was already used with a different request body',
      );
      expect(other.body.details).toEqual({ session_id: first.body.session_id });
    });
  });

  describe('redirect URLs', () => {
    it.each([
      ['success_url', '//evil.com'],
      ['success_url', '/\\evil.com'],
      ['success_url', 'javascript:alert(document.cookie)'],
      ['success_url', 'https://evil.com/thanks'],
      ['success_url', 'https://shop.example.com.evil.com/'],
      ['cancel_url', 'https://evil.com/cancel'],
      ['cancel_url', '//evil.com'],
      ['cancel_url', 'https://admin.example.com/other-port'],
    ])('refuses %s %j with a 400 naming the field, creating nothing', async (field, url) => {
      const before = await count('SELECT count(*) FROM payment_checkout_session');
      const response = await t.http
        .post('/api/v1/payment/checkout')
        .send({ price_id: ONE_TIME, mode: 'payment', [field]: url })
        .expect(400);
      expect(Object.keys(response.body.details.fields)).toEqual([field]);
      expect(response.body.message).toContain(field);
      expect(await count('SELECT count(*) FROM payment_checkout_session')).toBe(before);
    });

    it('accepts root-relative paths and allowed hosts, keeping {CHECKOUT_SESSION_ID}, each falling back on its own', async () => {
      const relative = await startCheckout({
        price_id: ONE_TIME,
        mode: 'payment',
        success_url: '/thanks?session={CHECKOUT_SESSION_ID}',
      });
      const allowed = await startCheckout({
        price_id: ONE_TIME,
        mode: 'payment',
        cancel_url: 'https://admin.example.com:8443/back',
        success_url: 'https://shop.example.com/done/{CHECKOUT_SESSION_ID}',
      });
      const rows = await t.dataSource.query(
        'SELECT provider_session_id, success_url, cancel_url FROM payment_checkout_session WHERE provider_session_id = ANY($1)',
        [[relative.session_id, allowed.session_id]],
      );
      const byId = Object.fromEntries(
        rows.map((row: { provider_session_id: string }) => [row.provider_session_id, row]),
      );
      expect(byId[relative.session_id]).toEqual(
        expect.objectContaining({
          success_url: `${t.baseUrl}/thanks?session={CHECKOUT_SESSION_ID}`,
          cancel_url: `${t.baseUrl}/payment/cancel`,
        }),
      );
      expect(byId[allowed.session_id]).toEqual(
        expect.objectContaining({
          success_url: 'https://shop.example.com/done/{CHECKOUT_SESSION_ID}',
          cancel_url: 'https://admin.example.com:8443/back',
        }),
      );
      // The provider substitutes the template when it redirects.
      const location = await press(relative.checkout_url, 'pay');
      expect(location).toBe(`${t.baseUrl}/thanks?session=${relative.session_id}`);
    });
  });

  describe('validation', () => {
    it('carries the provider message when the mode does not match the price', async () => {
      const response = await t.http
        .post('/api/v1/payment/checkout')
        .send({ price_id: MONTHLY, mode: 'payment' })
        .expect(400);
      expect(response.body.message).toBe(
        "You specified 'payment' mode but passed a recurring price.",
      );
      const reverse = await t.http
        .post('/api/v1/payment/checkout')
        .send({ price_id: ONE_TIME, mode: 'subscription' })
        .expect(400);
      expect(reverse.body.message).toContain('recurring price');
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['a missing price and an unknown mode', { mode: 'donation' }, ['mode', 'price_id']],
      ['a quantity of 0', { price_id: ONE_TIME, mode: 'payment', quantity: 0 }, ['quantity']],
      [
        'a non-integer quantity',
        { price_id: ONE_TIME, mode: 'payment', quantity: '2' },
        ['quantity'],
      ],
      [
        'a malformed email',
        { price_id: ONE_TIME, mode: 'payment', customer_email: 'nope' },
        ['customer_email'],
      ],
      ['an unknown field', { price_id: ONE_TIME, mode: 'payment', coupon: 'x' }, ['coupon']],
      [
        'metadata that is not an object',
        { price_id: ONE_TIME, mode: 'payment', metadata: 'x' },
        ['metadata'],
      ],
      [
        'a metadata value that is not a string',
        { price_id: ONE_TIME, mode: 'payment', metadata: { n: 1 } },
        ['metadata'],
      ],
      [
        '21 metadata keys',
        {
          price_id: ONE_TIME,
          mode: 'payment',
          metadata: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
        },
        ['metadata'],
      ],
      [
        'a metadata value over 500 characters',
        { price_id: ONE_TIME, mode: 'payment', metadata: { note: 'x'.repeat(501) } },
        ['metadata'],
      ],
      [
        'the reserved metadata key',
        { price_id: ONE_TIME, mode: 'payment', metadata: { payment_service: 'checkout' } },
        ['metadata'],
      ],
    ])('refuses %s with field-level messages', async (_name, body, fields) => {
      const response = await t.http.post('/api/v1/payment/checkout').send(body).expect(400);
      expect(Object.keys(response.body.details.fields).sort()).toEqual(fields);
    });

    it('names the metadata problem', async () => {
      const response = await t.http
        .post('/api/v1/payment/checkout')
        .send({ price_id: ONE_TIME, mode: 'payment', metadata: { count: 3 } })
        .expect(400);
      expect(response.body.details.fields.metadata).toEqual([
        'metadata value of "count" must be a string, got a number',
      ]);
    });
  });

  describe('reads', () => {
    it('answers 404 for an unknown session on the API and the status route', async () => {
      const api = await t.http.get('/api/v1/payment/checkout/cs_unknown').expect(404);
      expect(api.body.message).toBe('Checkout session cs_unknown not found');
      await t.http.get('/payment/status/cs_unknown').expect(404);
    });

    it('serves a not-found page for a missing or hostile session id, escaping nothing into markup', async () => {
      const missing = await t.http.get('/payment/success').expect(404);
      expect(missing.text).toContain('Checkout not found');
      const hostile = await t.http
        .get('/payment/success')
        .query({ session_id: '"><script>alert(1)</script>' })
        .expect(404);
      expect(hostile.text).not.toContain('<script>alert(1)');
      expect(hostile.headers['content-security-policy']).toContain("default-src 'none'");
    });

    it('lists transactions on the CLI as a table', async () => {
      const lines: string[] = [];
      const errors: string[] = [];
      const code = await runCli(
        ['transactions', '--status', 'succeeded', '--type', 'charge'],
        { out: (text) => lines.push(text), err: (text) => errors.push(text) },
        {
          ...process.env,
          DATABASE_URL: t.database.url,
          PAYMENT_PROVIDER: 'sandbox',
          LOG_LEVEL: 'silent',
          DISPUTE_DEADLINE_CRON: 'off',
        },
      );
      expect(errors).toEqual([]);
      expect(code).toBe(0);
      const table = lines.join('\n');
      expect(table.split('\n')[0]).toMatch(/^ID\s+TYPE\s+STATUS\s+AMOUNT/);
      expect(table).toContain('29.00 usd');
      expect(table).toContain('user-pays');
      expect(table).not.toContain('failed');

      const usage: string[] = [];
      const bad = await runCli(
        ['transactions', '--status', 'weird'],
        { out: () => undefined, err: (text) => usage.push(text) },
        {
          ...process.env,
          DATABASE_URL: t.database.url,
          LOG_LEVEL: 'silent',
          DISPUTE_DEADLINE_CRON: 'off',
        },
      );
      expect(bad).toBe(2);
      expect(usage.join('\n')).toContain(
        "argument 'weird' is invalid. Allowed choices are pending, ",
      );
    });
  });

  describe('with API keys configured', () => {
    let secured: TestApp;
    beforeAll(async () => {
      secured = await createTestApp({ API_KEYS: 'key-for-tests' });
    });
    afterAll(() => secured?.close());

    it('needs a key for the API but not for the buyer-facing pages and status route', async () => {
      await secured.http
        .post('/api/v1/payment/checkout')
        .send({ price_id: ONE_TIME, mode: 'payment' })
        .expect(401);
      const created = await secured.http
        .post('/api/v1/payment/checkout')
        .set('Authorization', 'Bearer key-for-tests')
        .send({ price_id: ONE_TIME, mode: 'payment' })
        .expect(201);
      const sessionId = created.body.session_id as string;
      await secured.http.get(`/api/v1/payment/checkout/${sessionId}`).expect(401);
      expect((await secured.http.get(`/payment/status/${sessionId}`).expect(200)).body.status).toBe(
        'processing',
      );
      const page = await secured.http.get(`/payment/success?session_id=${sessionId}`).expect(200);
      expect(page.text).toContain('data-state="processing"');
      await secured.http.get('/payment/cancel').expect(200);
    });
  });
});
