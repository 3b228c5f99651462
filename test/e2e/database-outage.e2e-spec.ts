import { Client } from 'pg';
import { isDatabaseUnavailable } from '../../src/common/database-unavailable';
import { FakeStripeApi } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * The database unreachable (issue 14): every route answers 503 with Retry-After, never 500, and
 * POST /checkout makes no provider call (its row is written first, intent first).
 * The outage: the app's connections are terminated and the database refuses new ones.
 */
describe('database outage', () => {
  let t: TestApp;
  let stripe: FakeStripeApi;
  let name: string;

  async function admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    stripe = new FakeStripeApi();
    const apiBase = await stripe.start();
    t = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      STRIPE_API_BASE: apiBase,
      REFUND_SETTLE_CRON: 'off',
    });
    name = new URL(t.database.url).pathname.slice(1);
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`).catch(() => undefined);
    await t.close();
    await stripe.stop();
  });

  it('answers 503 with Retry-After while the database is down, and recovers', async () => {
    await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await admin(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
    );
    try {
      for (let i = 0; i < 3; i++) {
        const list = await t.http.get('/api/v1/payment/transactions');
        expect(list.status).toBe(503);
        expect(list.headers['retry-after']).toBe('5');
        expect(list.body.message).toBe('The database is unavailable; retry later');
      }
      const calls = stripe.calls.length;
      const checkout = await t.http
        .post('/api/v1/payment/checkout')
        .send({ price_id: 'price_fake_onetime', mode: 'payment', customer_ref: 'outage-user' });
      expect(checkout.status).toBe(503);
      expect(checkout.headers['retry-after']).toBe('5');
      expect(stripe.calls).toHaveLength(calls); // no orphan session at the provider
      const refund = await t.http.post('/api/v1/payment/refund/1').send({});
      expect(refund.status).toBe(503);
    } finally {
      await admin(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
    }
    await t.http.get('/api/v1/payment/transactions').expect(200);
  });

  it('recognises the errors of an unreachable server (real pg errors)', async () => {
    const refused = await new Client({ host: '127.0.0.1', port: 9, connectionTimeoutMillis: 2000 })
      .connect()
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable({ driverError: { code: '57P01' } })).toBe(true);
    expect(isDatabaseUnavailable({ code: '08006' })).toBe(true);
    expect(isDatabaseUnavailable({ code: '23505' })).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
  });
});
