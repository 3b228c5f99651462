import {
  PAYMENT_PROVIDER,
  type PaymentProvider,
} from '../../src/payment-provider/payment-provider.interface';
import { PostgresSandboxStore } from '../../src/payment-provider/sandbox/sandbox-postgres.store';
import { SandboxClock } from '../../src/payment-provider/sandbox/sandbox-clock';
import { SandboxStore } from '../../src/payment-provider/sandbox/sandbox.store';
import { createTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

/*
 * The sandbox keeps its state in PostgreSQL (sandbox_object, sandbox_clock):
 * an app restarted on the same database carries on where the last one
 * stopped, and two instances on one database never pay one session twice.
 * Real apps, real database, the hosted page posted to as a browser would.
 */

const ONE_TIME = 'price_sandbox_onetime';

describe('sandbox state in PostgreSQL (e2e)', () => {
  let database: TestDatabase;
  const open: TestApp[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    while (open.length > 0) await open.pop()!.close();
  });
  afterAll(() => database?.drop());

  /** An app on the shared database (closing it leaves the database). */
  async function boot(): Promise<TestApp> {
    const app = await createTestApp({}, { database });
    open.push(app);
    return app;
  }

  async function stop(app: TestApp): Promise<void> {
    open.splice(open.indexOf(app), 1);
    await app.close();
  }

  async function checkout(t: TestApp, body: Record<string, unknown>) {
    const response = await t.http.post('/api/v1/payment/checkout').send(body);
    expect({ status: response.status, body: response.body as unknown }).toMatchObject({
      status: 201,
    });
    return response.body as { session_id: string; checkout_url: string };
  }

  const pagePath = (checkoutUrl: string) => new URL(checkoutUrl).pathname;

  async function transactionOf(t: TestApp, sessionId: string) {
    return (await t.http.get(`/api/v1/payment/transactions/by-session/${sessionId}`).expect(200))
      .body as { status: string; customer_ref: string | null; provider_charge_id: string | null };
  }

  /** Succeeded sandbox charges for the session's payment, whichever payment intent made them. */
  async function succeededChargesOf(t: TestApp, sessionId: string): Promise<number> {
    const rows = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n
         FROM sandbox_object c JOIN sandbox_object s ON s.kind = 'session' AND s.id = $1
        WHERE c.kind = 'charge' AND c.data->>'status' = 'succeeded'
          AND c.data->'metadata' = s.data->'metadata'`,
      [sessionId],
    );
    return rows[0].n;
  }

  it('pays, after a restart, a session opened before it', async () => {
    const first = await boot();
    const created = await checkout(first, {
      price_id: ONE_TIME,
      mode: 'payment',
      customer_ref: 'user-restart-pay',
    });
    await stop(first);

    const second = await boot();
    await second.http.get(pagePath(created.checkout_url)).expect(200);
    const paid = await second.http.post(`${pagePath(created.checkout_url)}/pay`).expect(303);
    expect(paid.headers.location).toContain(`session_id=${created.session_id}`);
    const transaction = await transactionOf(second, created.session_id);
    expect(transaction).toMatchObject({ status: 'succeeded', customer_ref: 'user-restart-pay' });
    const session = (
      await second.http.get(`/api/v1/payment/checkout/${created.session_id}`).expect(200)
    ).body as { status: string; payment_status: string };
    expect(session).toMatchObject({ status: 'complete', payment_status: 'paid' });
  });

  it('starts a second checkout for a customer_ref first seen before a restart', async () => {
    const first = await boot();
    const one = await checkout(first, {
      price_id: ONE_TIME,
      mode: 'payment',
      customer_ref: 'user-comes-back',
    });
    await first.http.post(`${pagePath(one.checkout_url)}/pay`).expect(303);
    await stop(first);

    // Before: 400 "No such customer: 'cus_sbx_…'" — our table remembered the customer, the sandbox did not.
    const second = await boot();
    const two = await checkout(second, {
      price_id: ONE_TIME,
      mode: 'payment',
      customer_ref: 'user-comes-back',
    });
    await second.http.post(`${pagePath(two.checkout_url)}/pay`).expect(303);
    expect(await transactionOf(second, two.session_id)).toMatchObject({
      status: 'succeeded',
      customer_ref: 'user-comes-back',
    });
    const customers = await second.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM sandbox_object WHERE kind = 'customer' AND data->'metadata'->>'external_ref' = 'user-comes-back'`,
    );
    expect(customers[0].n).toBe(1);
  });

  it('keeps the clock, idempotency records and subscriptions across a restart', async () => {
    const first = await boot();
    const subscription = await checkout(first, {
      price_id: 'price_sandbox_monthly',
      mode: 'subscription',
      customer_ref: 'user-subscriber',
    });
    await first.http.post(`${pagePath(subscription.checkout_url)}/pay`).expect(303);
    const advanced = (await first.http.post('/sandbox/clock/advance').send({ seconds: 3600 }))
      .body as { offset_seconds: number };
    expect(advanced.offset_seconds).toBe(3600);
    const input = {
      mode: 'payment' as const,
      priceId: ONE_TIME,
      quantity: 1,
      successUrl: `${first.baseUrl}/payment/success`,
      cancelUrl: `${first.baseUrl}/payment/cancel`,
      metadata: {},
      idempotencyKey: 'restart-idempotency-1',
    };
    const before = await first.app
      .get<PaymentProvider>(PAYMENT_PROVIDER)
      .createCheckoutSession(input);
    await stop(first);

    const second = await boot();
    const clock = (await second.http.get('/sandbox/clock').expect(200)).body as {
      offset_seconds: number;
    };
    expect(clock.offset_seconds).toBe(3600);
    const replayed = await second.app
      .get<PaymentProvider>(PAYMENT_PROVIDER)
      .createCheckoutSession(input);
    expect(replayed).toEqual(before);
    expect(Object.prototype.toString.call(replayed.expiresAt)).toBe('[object Date]');
    // A month later the subscription made before the restart renews.
    const renewal = (
      await second.http
        .post('/sandbox/clock/advance')
        .send({ seconds: 32 * 24 * 3600 })
        .expect(200)
    ).body as { renewed: unknown[] };
    expect(renewal.renewed).toHaveLength(1);
  });

  it('pays a session once when two instances get Pay at the same moment', async () => {
    const a = await boot();
    const b = await boot();
    const created = await checkout(a, {
      price_id: ONE_TIME,
      mode: 'payment',
      customer_ref: 'user-double-click',
    });
    const path = `${pagePath(created.checkout_url)}/pay`;
    const answers = await Promise.all([
      a.http.post(path),
      b.http.post(path),
      a.http.post(path),
      b.http.post(path),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([303, 303, 303, 303]);
    expect(await succeededChargesOf(a, created.session_id)).toBe(1);
    const rows = await a.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM payment_transaction WHERE checkout_session_id = $1`,
      [created.session_id],
    );
    expect(rows[0].n).toBe(1);
    expect(await transactionOf(b, created.session_id)).toMatchObject({ status: 'succeeded' });
  });

  it('pays a session once when a read from before another instance paid it comes back late', async () => {
    // The race behind a rare double payment: a read outside the lock (every page view and
    // every Pay starts with one) overlaps a unit of work of the same instance and comes back
    // after it, with a snapshot from before the other instance paid.
    const a = await boot();
    const b = await boot();
    const created = await checkout(a, {
      price_id: ONE_TIME,
      mode: 'payment',
      customer_ref: 'user-late-read',
    });
    const store = b.app.get<SandboxStore, PostgresSandboxStore>(SandboxStore);
    const beforePayment = await store['read'](b.dataSource.manager);
    expect(beforePayment.some((row) => row.id === created.session_id)).toBe(true);

    const path = `${pagePath(created.checkout_url)}/pay`;
    await a.http.post(path).expect(303);
    // b's own unit of work sees the session paid …
    expect(await store.mutate(() => store.sessions.get(created.session_id)?.status)).toBe(
      'complete',
    );
    // … then the late read arrives: it must not make the session open again here.
    store['apply'](beforePayment);
    expect(store.sessions.get(created.session_id)?.status).toBe('complete');
    await b.http.post(path).expect(303);

    expect(await succeededChargesOf(a, created.session_id)).toBe(1);
    const rows = await a.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM payment_transaction WHERE checkout_session_id = $1`,
      [created.session_id],
    );
    expect(rows[0].n).toBe(1);
  });

  it('keeps the clock a late read finds older than the cache', async () => {
    const a = await boot();
    const b = await boot();
    const store = b.app.get<SandboxStore, PostgresSandboxStore>(SandboxStore);
    const clock = b.app.get(SandboxClock);
    const beforeAdvance = await store['read'](b.dataSource.manager);
    await store.mutate(() => clock.advance(3600));
    const advanced = clock.offset();
    store['apply'](beforeAdvance);
    expect(clock.offset()).toBe(advanced);
    await a.app.get(SandboxStore).refresh();
    expect(a.app.get(SandboxClock).offset()).toBe(advanced);
  });

  it('creates no sandbox tables when Stripe is the provider', async () => {
    const stripe = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      STRIPE_API_BASE: 'http://127.0.0.1:9',
    });
    try {
      const tables = await stripe.dataSource.query<{ name: string }[]>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'sandbox%'`,
      );
      expect(tables).toEqual([]);
      await stripe.http.get('/health/ready').expect(200);
    } finally {
      await stripe.close();
    }
  });
});
