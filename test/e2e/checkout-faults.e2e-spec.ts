import { createHash } from 'node:crypto';
import { CustomerEntity } from '../../src/customers/entities/customer.entity';
import { CheckoutSessionEntity } from '../../src/checkout/entities/checkout-session.entity';
import { RefundSettlementJob } from '../../src/refunds/refund-settlement.job';
import { FakeStripeApi } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Checkout creation under provider faults (issue 14), intent first: the row is written before
 * the call. Not sent (refused connection, 429): 503, the intent is gone, a retry is safe.
 * Outcome unknown (reset after the request was read, 500): the intent stays; a retry with the
 * same Idempotency-Key reaches the provider with the same key and gets the same session.
 */
describe('checkout creation under provider faults', () => {
  let t: TestApp;
  let stripe: FakeStripeApi;
  let apiBase: string;

  beforeAll(async () => {
    stripe = new FakeStripeApi();
    apiBase = await stripe.start();
    t = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
      STRIPE_API_BASE: apiBase,
      STRIPE_TIMEOUT_MS: '300',
      REFUND_SETTLE_CRON: 'off',
    });
  });
  afterAll(async () => {
    await t.close();
    await stripe.setFault(null);
    await stripe.stop();
  });
  afterEach(() => stripe.setFault(null));

  const sessions = () => t.dataSource.getRepository(CheckoutSessionEntity);
  const body = { price_id: 'price_fake_onetime', mode: 'payment', customer_ref: 'fault-user' };

  it.each([['refuse' as const], [429 as const]])(
    'fault %s: 503 and no row left; the retry makes one session',
    async (fault) => {
      const key = `co-${String(fault)}-${Date.now()}`;
      const before = await sessions().count();
      await stripe.setFault(fault);
      const res = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body);
      expect(res.status).toBe(503);
      expect(await sessions().count()).toBe(before);

      await stripe.setFault(null);
      const retry = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(retry.body.session_id).toMatch(/^cs_test_fake_/);
      expect(await sessions().count()).toBe(before + 1);
    },
  );

  it.each([['reset' as const], [500 as const]])(
    'fault %s: the intent stays; the same key gets the one session the provider made',
    async (fault) => {
      const key = `co-${String(fault)}-${Date.now()}`;
      await stripe.setFault(fault);
      const res = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body);
      expect(res.status).toBeGreaterThanOrEqual(500);
      const intent = await sessions().findOneByOrFail({ idempotencyKey: key });
      expect(intent.url).toBeNull();
      expect(intent.externalRef).toBe('fault-user');

      await stripe.setFault(null);
      const retry = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      const made = stripe
        .made('/v1/checkout/sessions')
        .filter(
          (s) =>
            (s.metadata as Record<string, string>).payment_service_checkout_id ===
            String(intent.id),
        );
      expect(made).toHaveLength(1);
      expect(retry.body.session_id).toBe(made[0].id);
      const row = await sessions().findOneByOrFail({ id: intent.id });
      expect(row.providerSessionId).toBe(made[0].id);
      expect(row.url).not.toBeNull();
    },
  );

  it('expires an intent whose provider call never succeeded, once past its lifetime', async () => {
    const key = `co-abandoned-${Date.now()}`;
    await stripe.setFault('reset');
    await t.http.post('/api/v1/payment/checkout').set('Idempotency-Key', key).send(body);
    await stripe.setFault(null);
    const intent = await sessions().findOneByOrFail({ idempotencyKey: key });
    const job = t.app.get(RefundSettlementJob);
    expect((await job.run()).expiredIntents).toBe(0);
    const later = await job.run({ now: new Date(Date.now() + 26 * 3600_000) });
    expect(later.expiredIntents).toBeGreaterThanOrEqual(1);
    expect((await sessions().findOneByOrFail({ id: intent.id })).status).toBe('expired');
  });

  it('adopts the provider customer a webhook stored without an app user, instead of a 500', async () => {
    const ref = `adopt-user-${Date.now()}`;
    const digest = createHash('sha256').update(ref).digest('hex').slice(0, 32);
    // The provider customer the checkout will get (same idempotency key), stored by a webhook first.
    const made = await fetch(`${apiBase}/v1/customers`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': `customer-${digest}`,
      },
      body: 'email=',
    });
    const customerId = ((await made.json()) as { id: string }).id;
    const customers = t.dataSource.getRepository(CustomerEntity);
    await customers.save(
      customers.create({ provider: 'stripe', providerCustomerId: customerId, externalRef: null }),
    );

    const res = await t.http
      .post('/api/v1/payment/checkout')
      .send({ ...body, customer_ref: ref })
      .expect(201);
    expect(res.body.session_id).toMatch(/^cs_test_fake_/);
    expect(await customers.findOneByOrFail({ providerCustomerId: customerId })).toEqual(
      expect.objectContaining({ externalRef: ref }),
    );
    const session = stripe.callsTo('/v1/checkout/sessions').slice(-1)[0];
    expect(session.form.get('customer')).toBe(customerId);
  });
});
