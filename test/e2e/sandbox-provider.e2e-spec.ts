import { AppModule } from '../../src/app.module';
import { loadConfig } from '../../src/config/app-config';
import {
  PAYMENT_PROVIDER,
  type PaymentProvider,
} from '../../src/payment-provider/payment-provider.interface';
import type { CheckoutMode } from '../../src/payment-provider/payment-provider.types';
import { signSandboxPayload } from '../../src/payment-provider/sandbox/sandbox-signature';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * The sandbox provider inside the real app: its hosted page, and its signed
 * events reaching our own webhook route and inbox. Checkout sessions are made
 * through the provider itself (PAYMENT_PROVIDER), not the checkout API, so
 * that this file tests the sandbox alone. Feature handlers may still fail an
 * event: what is asserted here is that each event arrived, verified, in the inbox.
 */

interface InboxRow {
  provider_event_id: string;
  type: string;
  status: string;
}

const DAY = 24 * 3600;

// A failing handler makes the sandbox retry each event (about 2 s): allow for it.
jest.setTimeout(60_000);

describe('sandbox provider (e2e)', () => {
  let t: TestApp;
  let provider: PaymentProvider;
  let sessions = 0;

  beforeAll(async () => {
    t = await createTestApp();
    provider = t.app.get<PaymentProvider>(PAYMENT_PROVIDER);
  });
  afterAll(() => t?.close());

  const inbox = async (): Promise<InboxRow[]> =>
    t.dataSource.query(
      `SELECT provider_event_id, type, status FROM payment_webhook_event WHERE provider = 'sandbox' ORDER BY id`,
    );

  /** The inbox rows added by `action`, once `count` have arrived and been processed (some come after the answer). */
  async function newRows(count: number, action: () => Promise<unknown>): Promise<InboxRow[]> {
    const before = (await inbox()).length;
    await action();
    const deadline = Date.now() + 15_000;
    for (;;) {
      const rows = (await inbox()).slice(before);
      const settled = rows.every((row) => row.status !== 'received');
      if ((rows.length >= count && settled) || Date.now() > deadline) return rows;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const expectArrived = (rows: InboxRow[], types: string[]) => {
    expect(rows.map((row) => row.type)).toEqual(types);
    for (const row of rows) {
      expect(row.provider_event_id).toMatch(/^evt_sbx_/);
      // Handlers of other features decide processed or failed; verified and stored is the sandbox's part.
      expect(['processed', 'failed']).toContain(row.status);
    }
  };

  async function openSession(mode: CheckoutMode = 'payment') {
    sessions++;
    return provider.createCheckoutSession({
      mode,
      priceId: mode === 'payment' ? 'price_sandbox_onetime' : 'price_sandbox_monthly',
      quantity: 1,
      successUrl: `${t.baseUrl}/payment/success?session_id={CHECKOUT_SESSION_ID}`,
      cancelUrl: `${t.baseUrl}/payment/cancel`,
      clientReferenceId: 'user-e2e',
      metadata: {},
      idempotencyKey: `e2e-session-${sessions}`,
    });
  }

  const pagePath = (url: string | null): string => new URL(url!).pathname;

  async function paidPaymentIntent(): Promise<string> {
    const session = await openSession();
    await t.http.post(`${pagePath(session.url)}/pay`).expect(303);
    const rows = await inbox();
    const completed = rows.filter((row) => row.type === 'checkout.session.completed').pop()!;
    const stored = await t.dataSource.query(
      `SELECT payload FROM payment_webhook_event WHERE provider_event_id = $1`,
      [completed.provider_event_id],
    );
    return stored[0].payload.data.object.payment_intent as string;
  }

  describe('the hosted checkout page', () => {
    it('is the URL of a new session, under PUBLIC_BASE_URL, and shows the product with Pay and Decline', async () => {
      const session = await openSession();
      expect(session.url).toBe(`${t.baseUrl}/sandbox/checkout/${session.id}`);
      const page = await t.http.get(pagePath(session.url)).expect(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.headers['content-security-policy']).toContain("default-src 'none'");
      expect(page.text).toContain('Premium eBook');
      expect(page.text).toContain('$29.00');
      expect(page.text).toContain('Pay');
      expect(page.text).toContain('Decline');
    });

    it('pays a one-off: 303 to the success URL, payment_intent.succeeded and checkout.session.completed in the inbox', async () => {
      const session = await openSession();
      let location = '';
      const rows = await newRows(2, async () => {
        const res = await t.http.post(`${pagePath(session.url)}/pay`).expect(303);
        location = res.headers.location;
      });
      expect(location).toBe(`${t.baseUrl}/payment/success?session_id=${session.id}`);
      expectArrived(rows, ['payment_intent.succeeded', 'checkout.session.completed']);
    });

    it('starts a subscription: customer.subscription.created, invoice.paid, checkout.session.completed', async () => {
      const session = await openSession('subscription');
      const rows = await newRows(3, () => t.http.post(`${pagePath(session.url)}/pay`).expect(303));
      expectArrived(rows, [
        'customer.subscription.created',
        'invoice.paid',
        'checkout.session.completed',
      ]);
    });

    it('declines: 303 to the cancel URL, payment_intent.payment_failed, and the page stays payable', async () => {
      const session = await openSession();
      const rows = await newRows(1, async () => {
        const res = await t.http.post(`${pagePath(session.url)}/decline`).expect(303);
        expect(res.headers.location).toBe(`${t.baseUrl}/payment/cancel`);
      });
      expectArrived(rows, ['payment_intent.payment_failed']);
      await t.http.get(pagePath(session.url)).expect(200);
    });

    it('answers an unknown session with a styled 404 page and an expired one with 410', async () => {
      const unknown = await t.http.get('/sandbox/checkout/cs_sbx_doesnotexist').expect(404);
      expect(unknown.headers['content-type']).toMatch(/^text\/html/);
      expect(unknown.text).toContain('Checkout not found');

      const session = await openSession();
      const rows = await newRows(1, () =>
        t.http.post(`/sandbox/checkout/${session.id}/expire`).expect(200),
      );
      expectArrived(rows, ['checkout.session.expired']);
      const gone = await t.http.get(pagePath(session.url)).expect(410);
      expect(gone.text).toContain('Checkout expired');
      await t.http.post(`${pagePath(session.url)}/pay`).expect(410);
    });
  });

  describe('our webhook route with sandbox signatures', () => {
    const event = (id: string) =>
      JSON.stringify({
        id,
        object: 'event',
        type: 'customer.created',
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: 'cus_sbx_hand', object: 'customer' } },
      });

    it('refuses a forged delivery (wrong secret) with 400 and stores nothing', async () => {
      const body = event('evt_sbx_forged');
      const res = await t.http
        .post('/api/v1/payment/webhook')
        .set('Content-Type', 'application/json')
        .set('sandbox-signature', signSandboxPayload(body, 'whsec_not_the_secret'))
        .send(body)
        .expect(400);
      expect(res.body).toMatchObject({
        statusCode: 400,
        message: expect.stringContaining('sandbox-signature'),
      });
      const rows = await t.dataSource.query(
        `SELECT 1 FROM payment_webhook_event WHERE provider_event_id = 'evt_sbx_forged'`,
      );
      expect(rows).toHaveLength(0);
    });

    it('refuses an unsigned delivery with 400', async () => {
      await t.http
        .post('/api/v1/payment/webhook')
        .set('Content-Type', 'application/json')
        .send(event('evt_sbx_unsigned'))
        .expect(400);
    });

    it('accepts an event signed with the configured secret (what tests use to hand-make events)', async () => {
      const body = event('evt_sbx_handmade');
      const res = await t.http
        .post('/api/v1/payment/webhook')
        .set('Content-Type', 'application/json')
        .set('sandbox-signature', signSandboxPayload(body, t.config.sandbox.webhookSecret))
        .send(body)
        .expect(200);
      expect(res.body).toMatchObject({
        received: true,
        event_id: 'evt_sbx_handmade',
        outcome: 'ignored',
      });
    });
  });

  describe('provider calls whose events come after the answer', () => {
    it('refunds: refund.created and charge.refunded arrive after createRefund returned', async () => {
      const paymentIntentId = await paidPaymentIntent();
      const rows = await newRows(2, () =>
        provider.createRefund({
          paymentIntentId,
          chargeId: null,
          amount: 900,
          metadata: {},
          idempotencyKey: 'e2e-refund-1',
        }),
      );
      expectArrived(rows, ['refund.created', 'charge.refunded']);
    });
  });

  describe('simulation routes', () => {
    it('opens, updates and closes a dispute, each event reaching the inbox', async () => {
      const paymentIntentId = await paidPaymentIntent();
      let disputeId = '';
      const created = await newRows(1, async () => {
        const res = await t.http
          .post('/sandbox/simulate/dispute')
          .send({ payment_intent_id: paymentIntentId, reason: 'fraudulent' })
          .expect(201);
        expect(res.body.dispute).toMatchObject({
          status: 'needs_response',
          payment_intent: paymentIntentId,
          evidence_details: { due_by: expect.any(Number) },
        });
        expect(res.body.events).toEqual([
          expect.objectContaining({ type: 'charge.dispute.created', attempts: expect.any(Number) }),
        ]);
        disputeId = res.body.dispute.id;
      });
      expectArrived(created, ['charge.dispute.created']);
      const updated = await newRows(1, () =>
        t.http
          .post(`/sandbox/simulate/dispute/${disputeId}/update`)
          .send({ status: 'under_review' })
          .expect(200),
      );
      expectArrived(updated, ['charge.dispute.updated']);
      const closed = await newRows(1, () =>
        t.http
          .post(`/sandbox/simulate/dispute/${disputeId}/close`)
          .send({ status: 'lost' })
          .expect(200),
      );
      expectArrived(closed, ['charge.dispute.closed']);
    });

    it('issues an early fraud warning', async () => {
      const paymentIntentId = await paidPaymentIntent();
      const rows = await newRows(1, () =>
        t.http
          .post('/sandbox/simulate/fraud-warning')
          .send({ payment_intent_id: paymentIntentId })
          .expect(201),
      );
      expectArrived(rows, ['radar.early_fraud_warning.created']);
    });

    it('refunds from the "dashboard"', async () => {
      const paymentIntentId = await paidPaymentIntent();
      const rows = await newRows(2, async () => {
        const res = await t.http
          .post('/sandbox/simulate/refund')
          .send({ payment_intent_id: paymentIntentId, amount: 100 })
          .expect(201);
        expect(res.body.refund).toMatchObject({ amount: 100, status: 'succeeded' });
      });
      expectArrived(rows, ['refund.created', 'charge.refunded']);
    });

    it('renews subscriptions when the clock passes their period end', async () => {
      const session = await openSession('subscription');
      await t.http.post(`${pagePath(session.url)}/pay`).expect(303);
      let expired: string[] = [];
      // The clock route answers once its events are delivered: no waiting needed.
      const rows = await newRows(0, async () => {
        const res = await t.http
          .post('/sandbox/clock/advance')
          .send({ seconds: 32 * DAY })
          .expect(200);
        expect(res.body.renewed.length).toBeGreaterThanOrEqual(1);
        expired = res.body.expired_sessions;
      });
      // Sessions left open by earlier tests expire first (their 24 hours end before any renewal).
      expectArrived(
        rows.slice(0, expired.length),
        expired.map(() => 'checkout.session.expired'),
      );
      expect(rows.slice(expired.length).map((row) => row.type)).toEqual(
        expect.arrayContaining(['invoice.paid', 'customer.subscription.updated']),
      );
      expect(rows[expired.length].type).toBe('invoice.paid');
      const clock = await t.http.get('/sandbox/clock').expect(200);
      expect(clock.body.offset_seconds).toBe(32 * DAY);
    });

    it('answers unknown ids with 404 and bad input with 400, in the error shape', async () => {
      const missing = await t.http
        .post('/sandbox/simulate/dispute')
        .send({ payment_intent_id: 'pi_sbx_nope' })
        .expect(404);
      expect(missing.body).toEqual({
        statusCode: 404,
        error: 'Not Found',
        message: 'Payment intent pi_sbx_nope not found',
      });
      const noDispute = await t.http
        .post('/sandbox/simulate/dispute/dp_sbx_nope/close')
        .send({ status: 'won' })
        .expect(404);
      expect(noDispute.body.message).toBe('Dispute dp_sbx_nope not found');
      const bad = await t.http.post('/sandbox/clock/advance').send({ seconds: -5 }).expect(400);
      expect(bad.body).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        details: { fields: { seconds: [expect.any(String)] } },
      });
      const unknownField = await t.http
        .post('/sandbox/simulate/fraud-warning')
        .send({ charge_id: 'ch_sbx_1', fraud: 'x' })
        .expect(400);
      expect(unknownField.body.message).toContain('fraud');
    });

    it('lists the price catalog', async () => {
      const res = await t.http.get('/sandbox/prices').expect(200);
      expect(res.body.prices.map((price: { id: string }) => price.id)).toEqual(
        expect.arrayContaining(['price_sandbox_onetime', 'price_sandbox_monthly']),
      );
    });
  });

  describe('configuration', () => {
    it('refuses to boot with a malformed SANDBOX_PRICES, naming it', () => {
      const config = loadConfig({
        PAYMENT_PROVIDER: 'sandbox',
        SANDBOX_PRICES: '[{"id":"p","amount":"cheap"}]',
      });
      expect(() => AppModule.forRoot({ config, databaseUrl: 'postgres://unused' })).toThrow(
        /SANDBOX_PRICES\[0\]\.amount/,
      );
    });
  });
});

describe('sandbox provider with API_KEYS (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      API_KEYS: 'key-one',
      SANDBOX_PRICES: JSON.stringify([
        { id: 'price_custom', amount: 1234, currency: 'eur', name: 'Custom Thing' },
      ]),
    });
  });
  afterAll(() => t?.close());

  it('keeps the hosted page public but needs a key for the simulation routes', async () => {
    const provider = t.app.get<PaymentProvider>(PAYMENT_PROVIDER);
    const session = await provider.createCheckoutSession({
      mode: 'payment',
      priceId: 'price_custom',
      quantity: 1,
      successUrl: `${t.baseUrl}/ok`,
      cancelUrl: `${t.baseUrl}/cancel`,
      metadata: {},
      idempotencyKey: 'keyed-1',
    });
    const page = await t.http.get(new URL(session.url!).pathname).expect(200);
    expect(page.text).toContain('Custom Thing');
    expect(page.text).toContain('€12.34');
    const refused = await t.http
      .post('/sandbox/simulate/dispute')
      .send({ payment_intent_id: 'pi_sbx_x' })
      .expect(401);
    expect(refused.body).toMatchObject({
      statusCode: 401,
      message: expect.stringContaining('API key'),
    });
    await t.http
      .post('/sandbox/clock/advance')
      .set('Authorization', 'Bearer wrong')
      .send({ seconds: 1 })
      .expect(401);
    await t.http
      .post('/sandbox/clock/advance')
      .set('Authorization', 'Bearer key-one')
      .send({ seconds: 1 })
      .expect(200);
  });

  it('uses the SANDBOX_PRICES catalog instead of the bundled one', async () => {
    const res = await t.http
      .get('/sandbox/prices')
      .set('Authorization', 'Bearer key-one')
      .expect(200);
    expect(res.body.prices).toEqual([
      { id: 'price_custom', amount: 1234, currency: 'eur', name: 'Custom Thing', interval: null },
    ]);
  });
});
