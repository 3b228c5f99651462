import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import Stripe from 'stripe';
import { stripeEvent, stripeObject } from '../fixtures/stripe/events';
import { FakeStripeApi } from '../support/fake-stripe';
import {
  killLeftoverServices,
  LISTENER_SERVICE_JS,
  MAIN_JS,
  startService,
  waitUntilReady,
  type ServiceProcess,
} from '../support/service-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const SECRET = 'whsec_test';
const API_KEY = 'crash-test-key';

/**
 * Intent first (issue 14): the service dies (SIGKILL) right after Stripe created the checkout
 * session and before it heard the answer. The buyer pays anyway; the completion finds the row
 * written before the call (by our id in the session's metadata), with its customer_ref, and
 * payment.checkout.completed fires.
 */
describe('checkout across a crash right after the provider created the session', () => {
  let db: TestDatabase;
  let stripe: FakeStripeApi;
  let apiBase: string;
  let logFile: string;

  beforeAll(async () => {
    if (!fs.existsSync(MAIN_JS))
      throw new Error(`${MAIN_JS} is missing: run npm run build (npm test does it first)`);
    db = await createTestDatabase();
    stripe = new FakeStripeApi();
    apiBase = await stripe.start();
    logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'checkout-crash-')), 'calls.log');
    fs.writeFileSync(logFile, '');
  });
  afterAll(async () => {
    await killLeftoverServices();
    await stripe?.stop();
    await db?.drop();
  });

  const start = (): Promise<ServiceProcess> =>
    startService(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DISPUTE_DEADLINE_CRON: 'off',
        REFUND_SETTLE_CRON: 'off',
        DATABASE_URL: db.url,
        API_KEYS: API_KEY,
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: 'sk_test_x',
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_API_BASE: apiBase,
        LISTENER_LOG: logFile,
        LISTENER_SLEEP_MS: '0',
      },
      { entry: LISTENER_SERVICE_JS },
    );

  const lines = () => fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);

  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  it('links the paid session to the checkout row and its customer_ref, and announces it', async () => {
    const first = await start();
    await waitUntilReady(first);

    // "Stripe" creates the session, and the service dies before reading the answer.
    stripe.override = (call) => {
      if (call.path === '/v1/checkout/sessions') first.child.kill('SIGKILL');
      return undefined;
    };
    const request = fetch(`http://127.0.0.1:${first.port}/api/v1/payment/checkout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({
        price_id: 'price_fake_monthly',
        mode: 'subscription',
        customer_ref: 'app-user-crash',
      }),
    });
    await expect(request).rejects.toThrow();
    await first.exited;
    stripe.override = null;

    const [created] = stripe.made('/v1/checkout/sessions');
    expect(created).toBeDefined();
    const rows = await query<{ id: number; provider_session_id: string; external_ref: string }>(
      'SELECT id, provider_session_id, external_ref FROM payment_checkout_session',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].provider_session_id).toMatch(/^intent_/);
    expect((created.metadata as Record<string, string>).payment_service_checkout_id).toBe(
      String(rows[0].id),
    );

    // The buyer pays; the completion reaches the restarted service.
    const second = await start();
    await waitUntilReady(second);
    const completed = stripeObject('checkout-session.subscription', {
      ...created,
      status: 'complete',
      payment_status: 'paid',
      subscription: 'sub_crash_1',
      customer: 'cus_crash_1',
    });
    const payload = JSON.stringify(stripeEvent('checkout.session.completed', completed));
    const res = await fetch(`http://127.0.0.1:${second.port}/api/v1/payment/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
      },
      body: payload,
    });
    expect(res.status).toBe(200);

    const [linked] = await query<{
      id: number;
      provider_session_id: string;
      external_ref: string;
      status: string;
    }>('SELECT id, provider_session_id, external_ref, status FROM payment_checkout_session');
    expect(linked).toEqual({
      id: rows[0].id,
      provider_session_id: created.id,
      external_ref: 'app-user-crash',
      status: 'complete',
    });
    const deadline = Date.now() + 20_000;
    while (!lines().some((l) => l.startsWith('checkout ')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(lines()).toContain(`checkout ${second.child.pid} ${String(created.id)} app-user-crash`);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 120_000);
});
