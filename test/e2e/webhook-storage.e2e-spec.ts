import Stripe from 'stripe';
import { WebhookEventEntity } from '../../src/webhooks/entities/webhook-event.entity';
import { inboxEventId, WebhooksService } from '../../src/webhooks/webhooks.service';
import { stripeEvent, stripeObject } from '../fixtures/stripe/events';
import { createTestApp, type TestApp } from '../support/test-app';

const SECRET = 'whsec_test';

/*
 * Every verified delivery is stored (issue 14, DESIGN §6.1): one the adapter cannot read is
 * `failed` with the reason and answered 5xx (replayable); one whose data can never be valid is
 * `rejected` and answered 2xx; one jsonb cannot hold keeps its exact bytes.
 */
describe('webhook inbox stores every verified delivery', () => {
  let t: TestApp;
  let seq = 0;

  beforeAll(async () => {
    t = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_BASE: 'http://127.0.0.1:9',
      REFUND_SETTLE_CRON: 'off',
    });
  });
  afterAll(() => t.close());

  const rows = () => t.dataSource.getRepository(WebhookEventEntity);

  function send(payload: string) {
    return t.http
      .post('/api/v1/payment/webhook')
      .set('content-type', 'application/json')
      .set(
        'stripe-signature',
        Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
      )
      .send(payload);
  }

  it('stores an event it cannot read as failed with the reason, answers 5xx, and replays it', async () => {
    const id = `evt_unreadable_${++seq}`;
    // data.object missing: the adapter cannot read it.
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'customer.subscription.updated',
      created: Math.floor(Date.now() / 1000),
      data: {},
    });
    const res = await send(payload);
    expect(res.status).toBeGreaterThanOrEqual(500);
    const row = await rows().findOneByOrFail({ providerEventId: id });
    expect(row.status).toBe('failed');
    expect(row.lastError).toMatch(/Malformed Stripe event/);
    expect(await t.app.get(WebhooksService).list({ status: 'failed' })).toEqual(
      expect.arrayContaining([expect.objectContaining({ providerEventId: id })]),
    );
    // A redelivery: still one row.
    await send(payload);
    expect(await rows().countBy({ providerEventId: id })).toBe(1);
    // Replay reads it again from the inbox (still unreadable: it says why).
    await expect(t.app.get(WebhooksService).replay(id)).rejects.toThrow(/data.object/);
  });

  it('parks an event whose data can never be valid as rejected, and answers 2xx', async () => {
    const id = `evt_badcurrency_${++seq}`;
    const payment = stripeObject('payment-intent.succeeded', {
      id: `pi_bad_${seq}`,
      latest_charge: `ch_bad_${seq}`,
      currency: 'usdollars',
      customer: null,
      metadata: { payment_service: 'checkout' },
    });
    const res = await send(
      JSON.stringify(stripeEvent('payment_intent.succeeded', payment, { id })),
    );
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('rejected');
    const row = await rows().findOneByOrFail({ providerEventId: id });
    expect(row.status).toBe('rejected');
    expect(row.lastError).toBeTruthy();
  });

  it('parks a fractional amount as rejected', async () => {
    const id = `evt_fraction_${++seq}`;
    const payment = stripeObject('payment-intent.succeeded', {
      id: `pi_frac_${seq}`,
      latest_charge: `ch_frac_${seq}`,
      amount: 10.5,
      customer: null,
      metadata: { payment_service: 'checkout' },
    });
    const res = await send(
      JSON.stringify(stripeEvent('payment_intent.succeeded', payment, { id })),
    );
    expect(res.status).toBe(200);
    expect((await rows().findOneByOrFail({ providerEventId: id })).status).toBe('rejected');
  });

  it('parks a payment whose charge id is already on another payment as rejected, with the reason', async () => {
    const n = ++seq;
    const charge = `ch_shared_${n}`;
    const first = stripeObject('payment-intent.succeeded', {
      id: `pi_owner_${n}`,
      latest_charge: charge,
      customer: null,
      metadata: { payment_service: 'checkout' },
    });
    const owner = await send(
      JSON.stringify(stripeEvent('payment_intent.succeeded', first, { id: `evt_owner_${n}` })),
    );
    expect(owner.body.outcome).toBe('processed');

    const id = `evt_shared_charge_${n}`;
    const second = stripeObject('payment-intent.succeeded', {
      id: `pi_other_${n}`,
      latest_charge: charge,
      customer: null,
      metadata: { payment_service: 'checkout' },
    });
    const res = await send(JSON.stringify(stripeEvent('payment_intent.succeeded', second, { id })));
    expect(res.status).toBe(200);
    expect(res.body.outcome).toBe('rejected');
    const row = await rows().findOneByOrFail({ providerEventId: id });
    expect(row.status).toBe('rejected');
    expect(row.lastError).toMatch(/charge id is already recorded on another payment/);
  });

  it('keeps the exact bytes of an event jsonb cannot hold (a NUL character), and answers 2xx', async () => {
    const id = `evt_nul_${++seq}`;
    const payload = JSON.stringify(
      stripeEvent(
        'customer.created',
        stripeObject('customer', { id: `cus_nul_${seq}`, name: 'a\u0000b' }),
        { id },
      ),
    );
    const res = await send(payload);
    expect(res.status).toBe(200);
    const row = await rows()
      .createQueryBuilder('e')
      .addSelect('e.rawBody')
      .where('e.providerEventId = :id', { id })
      .getOneOrFail();
    expect(row.rawBody?.toString('utf8')).toBe(payload);
    expect(row.payload).toEqual({});
  });

  it('stores an event id longer than 255 characters (rejected) and a created out of range', async () => {
    const longId = `evt_${'x'.repeat(300)}`;
    const res = await send(
      JSON.stringify(stripeEvent('customer.created', stripeObject('customer', {}), { id: longId })),
    );
    expect(res.status).toBe(200);
    expect((await rows().findOneByOrFail({ providerEventId: inboxEventId(longId) })).status).toBe(
      'rejected',
    );

    const id = `evt_created_${++seq}`;
    const late = await send(
      JSON.stringify(
        stripeEvent('customer.created', stripeObject('customer', {}), { id, created: 1e15 }),
      ),
    );
    expect(late.status).toBe(200);
    expect((await rows().findOneByOrFail({ providerEventId: id })).status).toBe('rejected');
  });
});
