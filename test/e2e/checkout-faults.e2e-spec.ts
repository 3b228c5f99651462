import { createHash } from 'node:crypto';
import { CustomerEntity } from '../../src/customers/entities/customer.entity';
import { CheckoutSessionEntity } from '../../src/checkout/entities/checkout-session.entity';
import { SettlementJob } from '../../src/events/settlement-job';
import type { FakeStripeApi } from '../support/fake-stripe';
import { useStripeFaultApp } from '../support/stripe-fault-app';
import type { TestApp } from '../support/test-app';

/*
 * Checkout creation under provider faults (issue 14), intent first: the row is written before
 * the call. Not sent (refused connection, 429): 503, the intent is gone, a retry is safe.
 * Outcome unknown (reset after the request was read, timeout, 500): 202 with the intent (no
 * URL yet; do not retry); the settling job looks the session up at the provider by our row id
 * and the row takes it, or expires the row when nothing was made. No second session, ever.
 */
describe('checkout creation under provider faults', () => {
  let t: TestApp;
  let stripe: FakeStripeApi;
  let apiBase: string;
  const setup = useStripeFaultApp();
  beforeAll(() => ({ t, stripe, apiBase } = setup));

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

  /** What "Stripe" made for our checkout row. */
  const madeFor = (rowId: number) =>
    stripe
      .made('/v1/checkout/sessions')
      .filter(
        (s) => (s.metadata as Record<string, string>).payment_service_checkout_id === String(rowId),
      );
  const settle = (now?: Date) => t.app.get(SettlementJob).run({ now });
  /** A pass late enough for any intent (the job leaves those still in flight alone). */
  const later = (ms: number) => new Date(Date.now() + ms);

  it.each([['reset' as const], ['timeout' as const], [500 as const]])(
    'fault %s: 202 with the pending checkout (do not retry); the job finds the one session the provider made',
    async (fault) => {
      const key = `co-${String(fault)}-${Date.now()}`;
      await stripe.setFault(fault);
      const res = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body);
      expect(res.status).toBe(202);
      expect(res.body).toEqual(
        expect.objectContaining({
          session_id: expect.stringMatching(/^intent_/),
          checkout_url: null,
        }),
      );
      const intent = await sessions().findOneByOrFail({ idempotencyKey: key });
      expect(intent.url).toBeNull();
      expect(intent.externalRef).toBe('fault-user');
      // The client reads the pending checkout by the session_id it got.
      const pending = await t.http
        .get(`/api/v1/payment/checkout/${res.body.session_id}`)
        .expect(200);
      expect(pending.body).toEqual(expect.objectContaining({ status: 'open', checkout_url: null }));

      await stripe.setFault(null);
      const posts = stripe.callsTo('/v1/checkout/sessions').length;
      const run = await settle(later(60_000));
      expect(run.results.checkout).toEqual(
        expect.objectContaining({ found: expect.arrayContaining([intent.id]) }),
      );
      // Looked up, never sent again.
      expect(stripe.callsTo('/v1/checkout/sessions')).toHaveLength(posts);
      const made = madeFor(intent.id);
      expect(made).toHaveLength(1);
      const settled = await t.http
        .get(`/api/v1/payment/checkout/${res.body.session_id}`)
        .expect(200);
      expect(settled.body).toEqual(
        expect.objectContaining({
          session_id: made[0].id,
          status: 'open',
          checkout_url: made[0].url,
        }),
      );
      const row = await sessions().findOneByOrFail({ id: intent.id });
      expect(row.providerSessionId).toBe(made[0].id);

      // The same key now answers the settled session.
      const replay = await t.http
        .post('/api/v1/payment/checkout')
        .set('Idempotency-Key', key)
        .send(body)
        .expect(201);
      expect(replay.body.session_id).toBe(made[0].id);
      expect(madeFor(intent.id)).toHaveLength(1);
    },
  );

  it('a retry with the same key while pending asks with the same provider key: one session', async () => {
    const key = `co-retry-${Date.now()}`;
    await stripe.setFault('reset');
    await t.http
      .post('/api/v1/payment/checkout')
      .set('Idempotency-Key', key)
      .send(body)
      .expect(202);
    const intent = await sessions().findOneByOrFail({ idempotencyKey: key });
    await stripe.setFault(null);
    const retry = await t.http
      .post('/api/v1/payment/checkout')
      .set('Idempotency-Key', key)
      .send(body)
      .expect(201);
    const made = madeFor(intent.id);
    expect(made).toHaveLength(1);
    expect(retry.body.session_id).toBe(made[0].id);
  });

  it('expires a pending checkout the provider never made, once every attempt has long ended', async () => {
    const key = `co-never-${Date.now()}`;
    // 500 without processing anything: the outcome is unknown, but nothing was made.
    stripe.override = (call) =>
      call.method === 'POST' && call.path === '/v1/checkout/sessions'
        ? { status: 500, body: { error: { type: 'api_error', message: 'boom' } } }
        : undefined;
    const res = await t.http
      .post('/api/v1/payment/checkout')
      .set('Idempotency-Key', key)
      .send(body);
    stripe.override = null;
    expect(res.status).toBe(202);
    const intent = await sessions().findOneByOrFail({ idempotencyKey: key });

    // Soon after: not found, but its call may still be running at the provider — left open.
    const soon = await settle(later(60_000));
    expect(soon.results.checkout).toEqual(
      expect.objectContaining({ found: [], expired: expect.not.arrayContaining([intent.id]) }),
    );
    expect((await sessions().findOneByOrFail({ id: intent.id })).status).toBe('open');

    const run = await settle(later(15 * 60_000));
    expect(run.results.checkout).toEqual(
      expect.objectContaining({ expired: expect.arrayContaining([intent.id]) }),
    );
    const got = await t.http.get(`/api/v1/payment/checkout/${res.body.session_id}`).expect(200);
    expect(got.body).toEqual(expect.objectContaining({ status: 'expired', checkout_url: null }));
    expect(madeFor(intent.id)).toHaveLength(0);
    // The same key answers the expired row, without a call: a new checkout needs a new key.
    const posts = stripe.callsTo('/v1/checkout/sessions').length;
    const replay = await t.http
      .post('/api/v1/payment/checkout')
      .set('Idempotency-Key', key)
      .send(body);
    expect(replay.status).toBe(201);
    expect(stripe.callsTo('/v1/checkout/sessions')).toHaveLength(posts);
  });

  it('past the idempotency window a retry does not send the key again (it could make a second session)', async () => {
    const key = `co-window-${Date.now()}`;
    await stripe.setFault('reset');
    await t.http
      .post('/api/v1/payment/checkout')
      .set('Idempotency-Key', key)
      .send(body)
      .expect(202);
    await stripe.setFault(null);
    const intent = await sessions().findOneByOrFail({ idempotencyKey: key });
    await t.dataSource.query(
      `UPDATE payment_checkout_session SET created_at = now() - interval '24 hours' WHERE id = $1`,
      [intent.id],
    );
    const posts = stripe.callsTo('/v1/checkout/sessions').length;
    const retry = await t.http
      .post('/api/v1/payment/checkout')
      .set('Idempotency-Key', key)
      .send(body);
    expect(retry.status).toBe(202);
    expect(stripe.callsTo('/v1/checkout/sessions')).toHaveLength(posts);
    // The job looks it up instead (created since the intent, minus clock skew).
    await settle();
    expect(madeFor(intent.id)).toHaveLength(1);
    expect((await sessions().findOneByOrFail({ id: intent.id })).providerSessionId).toBe(
      madeFor(intent.id)[0].id,
    );
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
