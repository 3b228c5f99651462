import { runCli } from '../../src/cli/run-cli';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { ReconcileService } from '../../src/reconcile/reconcile.service';
import {
  signedStripeDelivery,
  stripeEvent,
  stripeObject,
  type StripeEventEnvelope,
  type StripeObject,
} from '../fixtures/stripe/events';
import { FakeStripeEventLog } from '../support/fake-stripe-event-log';
import { createTestApp, type TestApp } from '../support/test-app';
import { FakeStripeApi, formMap, type FakeAnswer, type StripeCall } from '../support/fake-stripe';

/*
 * Reconciliation against a fake api.stripe.com that keeps an event log
 * (GET /v1/events). Events created at the provider and never delivered — a paid
 * checkout, a dashboard refund, a subscription cancellation, a dispute — are
 * recovered by `payments reconcile`; the result is compared with an app that
 * received the same events as signed deliveries through the real webhook route.
 */

const SECRET = 'whsec_test';
const WEBHOOK = '/api/v1/payment/webhook';
const SESSION = 'cs_test_reconcile_1';
const PI = 'pi_test_reconcile_1';
const CHARGE = 'ch_test_reconcile_1';
const REFUND = 're_test_reconcile_1';
const SUB = 'sub_test_reconcile_1';
const CUSTOMER = 'cus_test_reconcile_1';
const DISPUTE = 'dp_test_reconcile_1';
const STALE = 'cs_test_reconcile_stale';
const PENDING_CS = 'cs_test_reconcile_pending';
const PENDING_PI = 'pi_test_reconcile_pending';
const METADATA = { order_ref: 'order-r1', payment_service: 'checkout' };
/** Irrelevant events that make the listing span several pages (100 per page). */
const NOISE = 130;

type Row = Record<string, unknown>;

/** Drops what differs between two databases for the same facts: row ids and row times. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value instanceof Date) return 'time';
  if (value && typeof value === 'object') {
    const out: Row = {};
    for (const [key, inner] of Object.entries(value as Row)) {
      if (['id', 'created_at', 'updated_at', 'createdAt', 'updatedAt'].includes(key)) continue;
      // The placeholder a checkout row had before the provider's answer (intent first): random.
      if (key === 'intent_session_id' && typeof inner === 'string') {
        out[key] = inner.replace(/^intent_.*/, 'intent_…');
        continue;
      }
      if (/(_id|Id)$/.test(key) && (typeof inner === 'number' || /^\d+$/.test(String(inner))))
        continue;
      out[key] = normalise(inner);
    }
    return out;
  }
  return value;
}

describe('reconciliation of missed Stripe webhooks (e2e)', () => {
  let stripe: FakeStripeApi;
  let log: FakeStripeEventLog;
  let env: Record<string, string>;
  const apps: TestApp[] = [];
  let events: StripeEventEnvelope[];
  let t0: number;

  beforeAll(async () => {
    stripe = new FakeStripeApi();
    log = new FakeStripeEventLog();
    // Every app creates "the same" checkout: the fake answers one session.
    const expiresAt = Math.floor(Date.now() / 1000) + 86400;
    stripe.override = (call) =>
      log.answer(call) ??
      staleSession(call) ??
      pendingPayment(call) ??
      (call.path === '/v1/checkout/sessions'
        ? {
            status: 200,
            body: stripeObject('checkout-session.open', {
              id: SESSION,
              mode: 'payment',
              status: 'open',
              payment_status: 'unpaid',
              url: `https://checkout.stripe.com/c/pay/${SESSION}`,
              expires_at: expiresAt,
              amount_total: 2000,
              currency: 'usd',
              customer: null,
              customer_email: null,
              client_reference_id: null,
              payment_intent: null,
              subscription: null,
              metadata: formMap(call.form, 'metadata'),
            }),
          }
        : undefined);
    env = {
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_BASE: await stripe.start(),
      RECONCILE_CRON: 'off',
      // The same URLs in every app, whatever port it listens on.
      PUBLIC_BASE_URL: 'http://shop.example',
    };

    t0 = Math.floor(Date.now() / 1000) - 3600;
    const refund = stripeObject('refund', {
      id: REFUND,
      amount: 500,
      charge: CHARGE,
      payment_intent: PI,
      metadata: {},
      reason: 'requested_by_customer',
      status: 'succeeded',
    });
    const subscription = (status: string, endedAt: number | null): StripeObject => {
      const object = stripeObject('subscription', {
        id: SUB,
        customer: CUSTOMER,
        status,
        cancel_at_period_end: false,
        cancel_at: null,
        canceled_at: endedAt,
        ended_at: endedAt,
        metadata: {},
      });
      const item = (object.items as { data: Row[] }).data[0];
      item.subscription = SUB;
      Object.assign(item, { current_period_start: t0, current_period_end: t0 + 31 * 86400 });
      return object;
    };
    events = [
      stripeEvent(
        'checkout.session.completed',
        stripeObject('checkout-session.payment', {
          id: SESSION,
          payment_intent: PI,
          customer: null,
          client_reference_id: null,
          amount_total: 2000,
          metadata: METADATA,
        }),
        { created: t0 },
      ),
      stripeEvent(
        'payment_intent.succeeded',
        stripeObject('payment-intent.succeeded', {
          id: PI,
          latest_charge: CHARGE,
          customer: null,
          amount: 2000,
          metadata: METADATA,
        }),
        { created: t0 },
      ),
      // A refund made in the dashboard.
      stripeEvent('refund.created', refund, { created: t0 + 60 }),
      stripeEvent(
        'charge.refunded',
        stripeObject('charge.refunded', {
          id: CHARGE,
          payment_intent: PI,
          amount: 2000,
          amount_refunded: 500,
          refunds: { object: 'list', data: [refund], has_more: false, url: '/v1/refunds' },
        }),
        { created: t0 + 60 },
      ),
      stripeEvent('customer.subscription.created', subscription('active', null), {
        created: t0 + 120,
      }),
      stripeEvent('customer.subscription.deleted', subscription('canceled', t0 + 180), {
        created: t0 + 180,
      }),
      stripeEvent(
        'charge.dispute.created',
        stripeObject('dispute', { id: DISPUTE, charge: CHARGE, payment_intent: PI }),
        { created: t0 + 240 },
      ),
    ];
    const noise = Array.from({ length: NOISE }, (_, i) =>
      stripeEvent('customer.created', stripeObject('customer', { id: `cus_noise_${i}` }), {
        created: t0 + 10 + (i % 200),
      }),
    );
    log.add(...events, ...noise);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await stripe?.stop();
  });

  /** A session created already past its expiry, which Stripe expired without our hearing of it. */
  function staleSession(call: StripeCall): FakeAnswer | undefined {
    const isCreate =
      call.path === '/v1/checkout/sessions' && formMap(call.form, 'metadata').order_ref === 'stale';
    const isRetrieve = call.method === 'GET' && call.path === `/v1/checkout/sessions/${STALE}`;
    if (!isCreate && !isRetrieve) return undefined;
    return {
      status: 200,
      body: stripeObject('checkout-session.open', {
        id: STALE,
        mode: 'payment',
        status: isRetrieve ? 'expired' : 'open',
        payment_status: 'unpaid',
        url: isRetrieve ? null : `https://checkout.stripe.com/c/pay/${STALE}`,
        expires_at: Math.floor(Date.now() / 1000) - 60,
        amount_total: 2000,
        currency: 'usd',
        customer: null,
        customer_email: null,
        client_reference_id: null,
        payment_intent: null,
        subscription: null,
        metadata: { order_ref: 'stale', payment_service: 'checkout' },
      }),
    };
  }

  /** A delayed payment: the session completes unpaid, the payment succeeds later at Stripe. */
  function pendingPayment(call: StripeCall): FakeAnswer | undefined {
    if (
      call.path === '/v1/checkout/sessions' &&
      formMap(call.form, 'metadata').order_ref === 'pending'
    ) {
      return {
        status: 200,
        body: stripeObject('checkout-session.open', {
          id: PENDING_CS,
          mode: 'payment',
          status: 'open',
          payment_status: 'unpaid',
          url: `https://checkout.stripe.com/c/pay/${PENDING_CS}`,
          expires_at: Math.floor(Date.now() / 1000) + 86400,
          amount_total: 2000,
          currency: 'usd',
          customer: null,
          customer_email: null,
          client_reference_id: null,
          payment_intent: null,
          subscription: null,
          metadata: { order_ref: 'pending', payment_service: 'checkout' },
        }),
      };
    }
    if (call.method === 'GET' && call.path === `/v1/payment_intents/${PENDING_PI}`) {
      return {
        status: 200,
        body: stripeObject('payment-intent.succeeded', {
          id: PENDING_PI,
          latest_charge: 'ch_test_reconcile_pending',
          customer: null,
          amount: 2000,
          metadata: { order_ref: 'pending', payment_service: 'checkout' },
        }),
      };
    }
    return undefined;
  }

  async function bootWithCheckout(): Promise<TestApp> {
    const t = await createTestApp(env);
    apps.push(t);
    const response = await t.http
      .post('/api/v1/payment/checkout')
      .send({
        price_id: 'price_fake_onetime',
        mode: 'payment',
        metadata: { order_ref: 'order-r1' },
      })
      .expect(201);
    expect(response.body.session_id).toBe(SESSION);
    return t;
  }

  async function deliverAll(t: TestApp, list: StripeEventEnvelope[]): Promise<void> {
    for (const event of list) {
      const delivery = signedStripeDelivery(event, SECRET);
      const res = await t.http.post(WEBHOOK).set(delivery.headers).send(delivery.body);
      expect(res.status).toBe(200);
    }
  }

  async function reconcileCli(
    t: TestApp,
    args: string[] = ['--since', '2h'],
  ): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      ['reconcile', ...args],
      { out: (text) => out.push(text), err: (text) => err.push(text) },
      t.env,
      { app: t.app },
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  /** The tables, API answers and domain events that a set of events produced. */
  async function snapshot(t: TestApp): Promise<Record<string, unknown>> {
    await waitForPaymentEvents(t.app);
    const table = async (name: string, order: string) =>
      normalise(await t.dataSource.query(`SELECT * FROM ${name} ORDER BY ${order}`));
    const api = async (path: string) => normalise((await t.http.get(path).expect(200)).body.data);
    return {
      transactions: await table(
        'payment_transaction',
        'type, provider_charge_id, provider_refund_id',
      ),
      sessions: await table('payment_checkout_session', 'provider_session_id'),
      subscriptions: await table('payment_subscription', 'provider_subscription_id'),
      disputes: await table('payment_dispute', 'provider_dispute_id'),
      apiTransactions: await api('/api/v1/payment/transactions'),
      apiSubscriptions: await api('/api/v1/payment/subscriptions'),
      apiDisputes: await api('/api/v1/payment/disputes'),
      outbox: normalise(
        await t.dataSource.query(
          `SELECT name, aggregate_type, payload, provider_event_id FROM payment_outbox
            ORDER BY provider_event_id, name`,
        ),
      ),
    };
  }

  let delivered: Record<string, unknown>;

  it('recovers events never delivered into exactly what their deliveries produce; a second run changes nothing', async () => {
    const a = await bootWithCheckout();
    await deliverAll(a, events);
    delivered = await snapshot(a);
    expect((delivered.transactions as Row[]).length).toBeGreaterThanOrEqual(2);
    expect(delivered.subscriptions).toHaveLength(1);
    expect(delivered.disputes).toHaveLength(1);

    const b = await bootWithCheckout();
    const first = await reconcileCli(b);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain(`listed       ${events.length + NOISE}`);
    expect(first.out).toContain('already had  0');
    expect(first.out).toContain(
      `applied      ${events.length}  ${events.map((e) => e.id).join(' ')}`,
    );
    expect(first.out).toContain(`ignored      ${NOISE}`);
    expect(first.out).toContain('failed       0');
    // Paged: 2 pages of at most 100.
    expect(log.listCalls.length).toBe(2);
    expect(log.listCalls[1].get('starting_after')).toBeTruthy();

    const reconciled = await snapshot(b);
    expect(reconciled).toEqual(delivered);
    const sources: { source: string; n: string }[] = await b.dataSource.query(
      `SELECT source, count(*) AS n FROM payment_webhook_event GROUP BY source`,
    );
    expect(sources).toEqual([{ source: 'reconcile', n: String(events.length + NOISE) }]);

    const second = await reconcileCli(b, ['--since', '2h', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out)).toEqual(
      expect.objectContaining({
        skipped: false,
        listed: events.length + NOISE,
        already_had: events.length + NOISE,
        applied: [],
        failed: [],
      }),
    );
    expect(await snapshot(b)).toEqual(delivered);

    // The last successful run is on /health/ready.
    const ready = await b.http.get('/health/ready').expect(200);
    expect(ready.body.reconcile.last_success).toEqual(
      expect.objectContaining({ listed: events.length + NOISE, applied: 0, failed: 0 }),
    );
  });

  it('gives no duplicate rows or events when the same events are delivered while it runs', async () => {
    const c = await bootWithCheckout();
    const service = c.app.get(ReconcileService);
    const [summary] = await Promise.all([
      service.run({ since: new Date(Date.now() - 2 * 3600_000) }),
      deliverAll(c, events),
    ]);
    expect(summary.failed).toEqual([]);
    expect(summary.applied.length + summary.alreadyHad).toBe(
      events.length + NOISE - summary.ignored,
    );
    const state = await snapshot(c);
    // Same rows and the same domain events, each once (whoever applied each event).
    expect({ ...state, outbox: undefined }).toEqual({ ...delivered, outbox: undefined });
    const names = (rows: unknown) =>
      (rows as { name: string; provider_event_id: string }[])
        .map((row) => `${row.provider_event_id} ${row.name}`)
        .sort();
    expect(names(state.outbox)).toEqual(names(delivered.outbox));
  });

  it('resumes a run interrupted by a crash from its cursor', async () => {
    const d = await bootWithCheckout();
    // The crashed run had applied the paid checkout and the refund (created up to t0 + 60).
    await deliverAll(d, events.slice(0, 4));
    const since = new Date(Date.now() - 2 * 3600_000);
    const cursor = new Date((t0 + 60) * 1000);
    const [{ id }] = await d.dataSource.query<{ id: string }[]>(
      `INSERT INTO payment_reconcile_run (trigger, since, cursor_occurred_at, status)
       VALUES ('schedule', $1, $2, 'running') RETURNING id::text AS id`,
      [since, cursor],
    );

    const summary = await d.app.get(ReconcileService).run({ since });
    expect(summary.resumedRunId).toBe(Number(id));
    expect(summary.since).toEqual(cursor);
    // Listed from the cursor: the two refund events again (same second), then the rest.
    expect(summary.applied).toEqual(events.slice(4).map((e) => e.id));
    expect(summary.failed).toEqual([]);
    expect(await snapshot(d)).toEqual(delivered);
    const [old] = await d.dataSource.query<{ status: string; error: string }[]>(
      'SELECT status, error FROM payment_reconcile_run WHERE id = $1',
      [id],
    );
    expect(old.status).toBe('failed');
    expect(old.error).toContain(`continued by run ${summary.runId}`);
  });

  it('settles a checkout session still open past its expiry by looking it up', async () => {
    const t = apps[0];
    await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_fake_onetime', mode: 'payment', metadata: { order_ref: 'stale' } })
      .expect(201);
    expect((await t.http.get(`/api/v1/payment/checkout/${STALE}`).expect(200)).body.status).toBe(
      'open',
    );
    const result = await reconcileCli(t, ['--since', '1m']);
    expect(result.code).toBe(0);
    expect(result.out).toContain(`settled      1  ${STALE}`);
    expect((await t.http.get(`/api/v1/payment/checkout/${STALE}`).expect(200)).body.status).toBe(
      'expired',
    );
    const [inbox] = await t.dataSource.query<{ source: string; type: string }[]>(
      'SELECT source, type FROM payment_webhook_event WHERE provider_event_id = $1',
      [`evt_sync_${STALE}_checkout.session.expired`],
    );
    expect(inbox).toEqual({ source: 'reconcile', type: 'checkout.session.expired' });
    // Once settled it is no longer looked up.
    const again = await reconcileCli(t, ['--since', '1m']);
    expect(again.out).toContain('settled      0');
  });

  it('settles a payment pending for longer than RECONCILE_PENDING_AFTER by looking it up', async () => {
    const t = apps[0];
    await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_fake_onetime', mode: 'payment', metadata: { order_ref: 'pending' } })
      .expect(201);
    await deliverAll(t, [
      stripeEvent(
        'checkout.session.completed',
        stripeObject('checkout-session.payment', {
          id: PENDING_CS,
          payment_intent: PENDING_PI,
          payment_status: 'unpaid',
          customer: null,
          client_reference_id: null,
          amount_total: 2000,
          metadata: { order_ref: 'pending', payment_service: 'checkout' },
        }),
      ),
    ]);
    const status = async () =>
      (
        await t.dataSource.query<{ status: string }[]>(
          `SELECT status FROM payment_transaction WHERE provider_payment_intent_id = $1 AND type = 'charge'`,
          [PENDING_PI],
        )
      ).map((row) => row.status);
    expect(await status()).toEqual(['pending']);
    // Not yet pending for an hour: left alone.
    expect((await reconcileCli(t, ['--since', '1m'])).out).toContain('settled      0');
    await t.dataSource.query(
      `UPDATE payment_transaction SET created_at = now() - interval '2 hours' WHERE provider_payment_intent_id = $1`,
      [PENDING_PI],
    );
    const result = await reconcileCli(t, ['--since', '1m']);
    expect(result.out).toContain(`settled      1  ${PENDING_PI}`);
    expect(await status()).toEqual(['succeeded']);
  });

  it('reports a listed event it cannot read as failed, with its id and exit code 1', async () => {
    const t = apps[0];
    const broken = stripeEvent('charge.dispute.created', { id: 'dp_broken', object: 'dispute' });
    log.add(broken);
    try {
      const result = await reconcileCli(t, ['--since', '1m']);
      expect(result.code).toBe(1);
      expect(result.out).toContain(`failed       1  ${broken.id}`);
    } finally {
      log.events.pop();
    }
  });

  it('refuses a malformed --since with exit 2 naming the option', async () => {
    const t = apps[0];
    const result = await reconcileCli(t, ['--since', '3 days']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('--since must be a duration like 30m, 72h or 7d');
  });
});
