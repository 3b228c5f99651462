import { Injectable, Module } from '@nestjs/common';
import { OnPaymentEvent } from '../../src/events/on-payment-event.decorator';
import { PaymentEvents } from '../../src/events/payment-events';
import { CheckoutSessionEntity } from '../../src/checkout/entities/checkout-session.entity';
import { SubscriptionEntity } from '../../src/subscriptions/entities/subscription.entity';
import { linkSessionToSubscription } from '../../src/ledger/subscription-links';
import { toSubscriptionResource } from '../../src/subscriptions/subscription.resource';
import { TransactionEntity } from '../../src/transactions/entities/transaction.entity';
import { toTransactionResource } from '../../src/transactions/transaction.resource';
import {
  STRIPE_FIXTURE_IDS,
  STRIPE_FIXTURE_TIME,
  STRIPE_LEGACY_API_VERSION,
  signedStripeDelivery,
  stripeEvent,
  stripeObject,
  type StripeObject,
} from '../fixtures/stripe/events';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { FakeStripeApi } from '../support/fake-stripe';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Stripe-signed events through the real webhook route, on the Stripe adapter.
 * Events of one subscription arrive in every order; the rows must not care.
 */

const SECRET = 'whsec_test';
const T0 = STRIPE_FIXTURE_TIME;
const DAY = 86_400;
const PERIOD_END = T0 + 31 * DAY;
const iso = (seconds: number | null): string | null =>
  seconds === null ? null : new Date(seconds * 1000).toISOString();

type Shape = 'current' | 'legacy';

interface Ids {
  subscription: string;
  customer: string;
  invoice: string;
  paymentIntent: string;
  charge: string;
}

interface SubscriptionState {
  status: string;
  cancelAtPeriodEnd: boolean;
  cancelAt: number | null;
  canceledAt: number | null;
  endedAt: number | null;
  metadata: Record<string, string>;
}

/** A Stripe subscription in the shape of the API version: period on the item (2025+) or on the subscription. */
function subscriptionObject(shape: Shape, ids: Ids, state: SubscriptionState): StripeObject {
  const object = stripeObject(shape === 'current' ? 'subscription' : 'subscription.2024-06-20', {
    id: ids.subscription,
    customer: ids.customer,
    status: state.status,
    cancel_at_period_end: state.cancelAtPeriodEnd,
    cancel_at: state.cancelAt,
    canceled_at: state.canceledAt,
    ended_at: state.endedAt,
    metadata: state.metadata,
  });
  const item = (object.items as { data: Record<string, unknown>[] }).data[0];
  item.subscription = ids.subscription;
  const period = { current_period_start: T0, current_period_end: PERIOD_END };
  if (shape === 'current') Object.assign(item, period);
  else Object.assign(object, period);
  return object;
}

/** A Stripe invoice of the subscription: paid, or open after a failed attempt with `paymentIntent`. */
function invoiceObject(
  shape: Shape,
  ids: Ids,
  paid: boolean,
  paymentIntent = ids.paymentIntent,
): StripeObject {
  const amounts = {
    status: paid ? 'paid' : 'open',
    amount_due: 2000,
    amount_paid: paid ? 2000 : 0,
  };
  if (shape === 'legacy') {
    return stripeObject('invoice.2024-06-20', {
      id: ids.invoice,
      customer: ids.customer,
      subscription: ids.subscription,
      payment_intent: paymentIntent,
      charge: paid ? ids.charge : null,
      ...amounts,
    });
  }
  const object = stripeObject('invoice', { id: ids.invoice, customer: ids.customer, ...amounts });
  (
    object.parent as { subscription_details: { subscription: string } }
  ).subscription_details.subscription = ids.subscription;
  const payment = (object.payments as { data: Record<string, unknown>[] }).data[0];
  payment.invoice = ids.invoice;
  payment.status = paid ? 'paid' : 'open';
  payment.payment = { type: 'payment_intent', payment_intent: paymentIntent };
  return object;
}

const CREATED: SubscriptionState = {
  status: 'active',
  cancelAtPeriodEnd: false,
  cancelAt: null,
  canceledAt: null,
  endedAt: null,
  metadata: { stage: 'created' },
};
const UPDATED: SubscriptionState = {
  status: 'active',
  cancelAtPeriodEnd: true,
  cancelAt: PERIOD_END,
  canceledAt: T0 + 60,
  endedAt: null,
  metadata: { stage: 'updated' },
};
const DELETED: SubscriptionState = {
  status: 'canceled',
  cancelAtPeriodEnd: false,
  cancelAt: null,
  canceledAt: T0 + 120,
  endedAt: T0 + 120,
  metadata: { stage: 'deleted' },
};

type Step = 'created' | 'updated' | 'invoice.paid' | 'deleted';
const STEPS: Step[] = ['created', 'invoice.paid', 'updated', 'deleted'];

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [
      item,
      ...rest,
    ]),
  );
}

/** What the recorded events carry that tells whose they are. */
interface Recorded {
  subscription?: { provider_subscription_id: string } | null;
  invoice?: { provider_subscription_id: string | null };
}

@Injectable()
class EventRecorder {
  readonly seen: { name: string; payload: Recorded }[] = [];

  @OnPaymentEvent(PaymentEvents.SUBSCRIPTION_CREATED)
  created(payload: Recorded): void {
    this.seen.push({ name: PaymentEvents.SUBSCRIPTION_CREATED, payload });
  }

  @OnPaymentEvent(PaymentEvents.SUBSCRIPTION_CANCELED)
  canceled(payload: Recorded): void {
    this.seen.push({ name: PaymentEvents.SUBSCRIPTION_CANCELED, payload });
  }

  @OnPaymentEvent(PaymentEvents.INVOICE_PAID)
  invoicePaid(payload: Recorded): void {
    this.seen.push({ name: PaymentEvents.INVOICE_PAID, payload });
  }

  @OnPaymentEvent(PaymentEvents.INVOICE_PAYMENT_FAILED)
  invoiceFailed(payload: Recorded): void {
    this.seen.push({ name: PaymentEvents.INVOICE_PAYMENT_FAILED, payload });
  }

  count(name: string, providerSubscriptionId: string): number {
    return this.seen.filter(
      (event) =>
        event.name === name &&
        (event.payload.subscription?.provider_subscription_id ??
          event.payload.invoice?.provider_subscription_id) === providerSubscriptionId,
    ).length;
  }
}

@Module({ providers: [EventRecorder] })
class EventRecorderModule {}

describe('subscription webhooks from Stripe, in any order', () => {
  let t: TestApp;
  let recorder: EventRecorder;
  // Every call to Stripe here is answered by the test that makes it.
  const stripe = new FakeStripeApi();
  stripe.override = () => ({
    status: 500,
    body: { error: { type: 'api_error', message: 'no answer set' } },
  });

  beforeAll(async () => {
    const apiBase = await stripe.start();
    t = await createTestApp(
      {
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: 'sk_test_x',
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_API_BASE: apiBase,
      },
      { imports: [EventRecorderModule] },
    );
    recorder = t.app.get(EventRecorder);
    // A customer a checkout already made for an app user.
    await t.dataSource.query(
      `INSERT INTO payment_customer (provider, provider_customer_id, external_ref) VALUES ('stripe', 'cus_known', 'user-known')`,
    );
  });
  afterAll(async () => {
    await t.close();
    await stripe.stop();
  });

  async function deliver(
    shape: Shape,
    type: string,
    object: StripeObject,
    created: number,
  ): Promise<void> {
    const event = stripeEvent(type, object, {
      created,
      ...(shape === 'legacy' ? { apiVersion: STRIPE_LEGACY_API_VERSION } : {}),
    });
    const delivery = signedStripeDelivery(event, SECRET);
    const response = await t.http
      .post('/api/v1/payment/webhook')
      .set(delivery.headers)
      .send(delivery.body);
    expect({ type, status: response.status, body: response.body }).toEqual({
      type,
      status: 200,
      body: expect.objectContaining({ outcome: 'processed' }),
    });
    // Durable listeners (the test's recorder) run after the commit, on the job engine.
    await waitForPaymentEvents(t.app);
  }

  async function deliverStep(shape: Shape, ids: Ids, step: Step): Promise<void> {
    switch (step) {
      case 'created':
        return deliver(
          shape,
          'customer.subscription.created',
          subscriptionObject(shape, ids, CREATED),
          T0,
        );
      case 'invoice.paid':
        return deliver(shape, 'invoice.paid', invoiceObject(shape, ids, true), T0 + 5);
      case 'updated':
        return deliver(
          shape,
          'customer.subscription.updated',
          subscriptionObject(shape, ids, UPDATED),
          T0 + 60,
        );
      case 'deleted':
        return deliver(
          shape,
          'customer.subscription.deleted',
          subscriptionObject(shape, ids, DELETED),
          T0 + 120,
        );
    }
  }

  async function subscriptionRow(providerSubscriptionId: string): Promise<SubscriptionEntity> {
    return t.dataSource
      .getRepository(SubscriptionEntity)
      .findOneByOrFail({ providerSubscriptionId });
  }

  async function invoiceCharges(providerInvoiceId: string): Promise<TransactionEntity[]> {
    return t.dataSource.getRepository(TransactionEntity).findBy({ providerInvoiceId });
  }

  /** The row as the API shows it, without what differs between runs (our ids, times, provider ids). */
  function comparable(row: SubscriptionEntity): Record<string, unknown> {
    const {
      id: _id,
      created_at: _c,
      updated_at: _u,
      provider_subscription_id: _p,
      provider_customer_id: _pc,
      ...rest
    } = toSubscriptionResource(row);
    return rest;
  }

  const shapes: [Shape, string, Partial<Ids>, string | null][] = [
    // [shape, ids prefix, fixed ids, expected customer_ref]
    ['current', 'cur', { customer: 'cus_known' }, 'user-known'],
    // An unknown customer: its row is made from the event, with no app user yet.
    ['legacy', 'leg', {}, null],
  ];

  describe.each(shapes)('events in the %s API shape', (shape, prefix, fixed, customerRef) => {
    const orders = permutations(STEPS);

    it('has all 24 orders to try', () => {
      expect(new Set(orders.map((order) => order.join(','))).size).toBe(24);
    });

    it.each(orders.map((order, index) => [index, order.join(' → '), order] as const))(
      'order %i (%s) ends canceled with one succeeded invoice charge linked to it',
      async (index, _label, order) => {
        const ids: Ids = {
          subscription: `sub_${prefix}_${index}`,
          customer: `cus_${prefix}_${index}`,
          invoice: `in_${prefix}_${index}`,
          paymentIntent: `pi_${prefix}_${index}`,
          charge: `ch_${prefix}_${index}`,
          ...fixed,
        };
        for (const step of order) await deliverStep(shape, ids, step);

        const row = await subscriptionRow(ids.subscription);
        expect(comparable(row)).toEqual({
          status: 'canceled',
          price_id: STRIPE_FIXTURE_IDS.monthlyPrice,
          plan_name: 'Pro monthly',
          quantity: 1,
          customer_ref: customerRef,
          provider: 'stripe',
          current_period_start: iso(T0),
          current_period_end: iso(PERIOD_END),
          cancel_at_period_end: false,
          cancel_at: null,
          canceled_at: iso(T0 + 120),
          ended_at: iso(T0 + 120),
          trial_end: null,
          metadata: { stage: 'deleted' },
          pending_change: null,
          pending_change_requested_at: null,
        });
        expect(row.providerCustomerId).toBe(ids.customer);
        expect(row.providerUpdatedAt).toEqual(new Date((T0 + 120) * 1000));

        const charges = await invoiceCharges(ids.invoice);
        expect(charges).toHaveLength(1);
        const {
          id: _id,
          created_at: _c,
          updated_at: _u,
          ...charge
        } = toTransactionResource(charges[0]);
        expect(charge).toEqual(
          expect.objectContaining({
            type: 'charge',
            status: 'succeeded',
            amount: 2000,
            amount_refunded: 0,
            currency: 'usd',
            description: 'Pro monthly',
            reason: null,
            customer_ref: customerRef,
            provider: 'stripe',
            provider_invoice_id: ids.invoice,
            provider_payment_intent_id: ids.paymentIntent,
            provider_charge_id: shape === 'legacy' ? ids.charge : null,
            subscription_id: row.id,
          }),
        );
        expect(charges[0].providerSubscriptionId).toBe(ids.subscription);
        expect(charges[0].customerId).toBe(row.customerId);

        expect(recorder.count(PaymentEvents.SUBSCRIPTION_CREATED, ids.subscription)).toBe(1);
        expect(recorder.count(PaymentEvents.SUBSCRIPTION_CANCELED, ids.subscription)).toBe(1);
        expect(recorder.count(PaymentEvents.INVOICE_PAID, ids.subscription)).toBe(1);
      },
    );
  });

  describe('ties and stale events', () => {
    const idsFor = (name: string): Ids => ({
      subscription: `sub_${name}`,
      customer: 'cus_known',
      invoice: `in_${name}`,
      paymentIntent: `pi_${name}`,
      charge: `ch_${name}`,
    });

    it('never revives a deleted subscription, not even with an update of the same second or stamped later', async () => {
      const ids = idsFor('tie');
      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', ids, CREATED),
        T0,
      );
      await deliver(
        'current',
        'customer.subscription.deleted',
        subscriptionObject('current', ids, DELETED),
        T0 + 120,
      );
      await deliver(
        'current',
        'customer.subscription.updated',
        subscriptionObject('current', ids, UPDATED),
        T0 + 120,
      );
      await deliver(
        'current',
        'customer.subscription.updated',
        subscriptionObject('current', ids, UPDATED),
        T0 + 180,
      );
      const row = await subscriptionRow(ids.subscription);
      expect(row.status).toBe('canceled');
      expect(row.metadata).toEqual({ stage: 'deleted' });
      expect(recorder.count(PaymentEvents.SUBSCRIPTION_CANCELED, ids.subscription)).toBe(1);
    });

    it('ends with a succeeded charge when a failed attempt is followed by a successful retry', async () => {
      const ids = idsFor('retry');
      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', ids, CREATED),
        T0,
      );
      await deliver(
        'current',
        'invoice.payment_failed',
        invoiceObject('current', ids, false, 'pi_retry_first'),
        T0 + 5,
      );
      const [failed] = await invoiceCharges(ids.invoice);
      expect(failed).toEqual(
        expect.objectContaining({
          status: 'failed',
          providerPaymentIntentId: 'pi_retry_first',
          reason: 'Invoice payment failed',
        }),
      );
      expect(recorder.count(PaymentEvents.INVOICE_PAYMENT_FAILED, ids.subscription)).toBe(1);

      await deliver(
        'current',
        'invoice.paid',
        invoiceObject('current', ids, true, 'pi_retry_second'),
        T0 + 3 * DAY,
      );
      const charges = await invoiceCharges(ids.invoice);
      expect(charges).toHaveLength(1);
      expect(charges[0]).toEqual(
        expect.objectContaining({
          id: failed.id,
          status: 'succeeded',
          amount: 2000,
          reason: null,
          providerPaymentIntentId: 'pi_retry_second',
          subscriptionId: (await subscriptionRow(ids.subscription)).id,
        }),
      );
    });

    it('never turns a paid invoice failed with a stale or late payment_failed', async () => {
      const ids = idsFor('stale-failure');
      await deliver('current', 'invoice.paid', invoiceObject('current', ids, true), T0 + 50);
      await deliver(
        'current',
        'invoice.payment_failed',
        invoiceObject('current', ids, false, 'pi_old_attempt'),
        T0 + 5,
      );
      await deliver(
        'current',
        'invoice.payment_failed',
        invoiceObject('current', ids, false, 'pi_late'),
        T0 + 50,
      );
      const charges = await invoiceCharges(ids.invoice);
      expect(charges).toHaveLength(1);
      expect(charges[0]).toEqual(
        expect.objectContaining({
          status: 'succeeded',
          providerPaymentIntentId: ids.paymentIntent,
          reason: null,
        }),
      );
      expect(recorder.count(PaymentEvents.INVOICE_PAYMENT_FAILED, ids.subscription)).toBe(0);
    });

    it("updates the charge already recorded for the invoice's payment intent instead of adding one", async () => {
      const ids = idsFor('by-intent');
      const [{ id }] = await t.dataSource.query(
        `INSERT INTO payment_transaction (provider, type, status, amount, currency, provider_payment_intent_id, provider_charge_id)
         VALUES ('stripe', 'charge', 'succeeded', 2000, 'usd', $1, 'ch_by_intent') RETURNING id`,
        [ids.paymentIntent],
      );
      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', ids, CREATED),
        T0,
      );
      await deliver('current', 'invoice.paid', invoiceObject('current', ids, true), T0 + 5);

      const charges = await t.dataSource
        .getRepository(TransactionEntity)
        .findBy([
          { providerInvoiceId: ids.invoice },
          { providerPaymentIntentId: ids.paymentIntent },
        ]);
      expect(charges).toHaveLength(1);
      expect(charges[0]).toEqual(
        expect.objectContaining({
          id,
          status: 'succeeded',
          providerInvoiceId: ids.invoice,
          providerChargeId: 'ch_by_intent',
          subscriptionId: (await subscriptionRow(ids.subscription)).id,
          customerRef: 'user-known',
        }),
      );
    });

    it('links an invoice charge to its subscription when the subscription arrives after the invoice', async () => {
      const ids = idsFor('late-subscription');
      await deliver('current', 'invoice.paid', invoiceObject('current', ids, true), T0 + 5);
      const [early] = await invoiceCharges(ids.invoice);
      expect(early).toEqual(
        expect.objectContaining({
          status: 'succeeded',
          subscriptionId: null,
          description: null,
          providerSubscriptionId: ids.subscription,
        }),
      );

      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', ids, CREATED),
        T0,
      );
      const row = await subscriptionRow(ids.subscription);
      const [linked] = await invoiceCharges(ids.invoice);
      expect(linked).toEqual(
        expect.objectContaining({
          id: early.id,
          subscriptionId: row.id,
          description: 'Pro monthly',
          customerRef: 'user-known',
        }),
      );
      const listed = await t.http
        .get('/api/v1/payment/transactions')
        .query({ customer_ref: 'user-known', type: 'charge' })
        .expect(200);
      expect(listed.body.transactions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: early.id, subscription_id: row.id }),
        ]),
      );
    });
  });

  describe('concurrent deliveries', () => {
    it.each([0, 1, 2, 3, 4])(
      'converges when all four events of a subscription arrive at once (run %i)',
      async (run) => {
        const ids: Ids = {
          subscription: `sub_concurrent_${run}`,
          customer: `cus_concurrent_${run}`,
          invoice: `in_concurrent_${run}`,
          paymentIntent: `pi_concurrent_${run}`,
          charge: `ch_concurrent_${run}`,
        };
        await Promise.all(STEPS.map((step) => deliverStep('current', ids, step)));
        const row = await subscriptionRow(ids.subscription);
        expect(row).toEqual(
          expect.objectContaining({ status: 'canceled', metadata: { stage: 'deleted' } }),
        );
        const charges = await invoiceCharges(ids.invoice);
        expect(charges).toHaveLength(1);
        expect(charges[0]).toEqual(
          expect.objectContaining({ status: 'succeeded', subscriptionId: row.id }),
        );
        expect(recorder.count(PaymentEvents.SUBSCRIPTION_CREATED, ids.subscription)).toBe(1);
      },
    );
  });

  describe('the checkout session a subscription came from', () => {
    async function insertSession(
      name: string,
      providerSubscriptionId: string | null,
    ): Promise<number> {
      const [{ id }] = await t.dataSource.query(
        `INSERT INTO payment_checkout_session
           (provider, provider_session_id, mode, price_id, status, external_ref, success_url, cancel_url, provider_subscription_id)
         VALUES ('stripe', $1, 'subscription', $2, 'open', 'user-from-session', '/ok', '/cancel', $3) RETURNING id`,
        [`cs_${name}`, STRIPE_FIXTURE_IDS.monthlyPrice, providerSubscriptionId],
      );
      return id as number;
    }

    const idsFor = (name: string): Ids => ({
      subscription: `sub_${name}`,
      customer: `cus_${name}`,
      invoice: `in_${name}`,
      paymentIntent: `pi_${name}`,
      charge: `ch_${name}`,
    });

    it('is linked by the subscription event when the session already names the subscription', async () => {
      const ids = idsFor('session-first');
      const sessionId = await insertSession('session-first', ids.subscription);
      await deliver('current', 'invoice.paid', invoiceObject('current', ids, true), T0 + 5);
      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', ids, CREATED),
        T0,
      );

      const row = await subscriptionRow(ids.subscription);
      expect(row.customerRef).toBe('user-from-session');
      const session = await t.dataSource
        .getRepository(CheckoutSessionEntity)
        .findOneByOrFail({ id: sessionId });
      expect(session.subscriptionId).toBe(row.id);
      const [charge] = await invoiceCharges(ids.invoice);
      expect(charge.customerRef).toBe('user-from-session');
    });

    it('is linked by the checkout feature when the session completes after the subscription event', async () => {
      const ids = idsFor('subscription-first');
      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', ids, CREATED),
        T0,
      );
      await deliver('current', 'invoice.paid', invoiceObject('current', ids, true), T0 + 5);
      const row = await subscriptionRow(ids.subscription);
      expect(row.customerRef).toBeNull();

      const sessionId = await insertSession('subscription-first', ids.subscription);
      const linked = await t.dataSource.transaction((manager) =>
        linkSessionToSubscription(manager, 'stripe', {
          id: sessionId,
          providerSubscriptionId: ids.subscription,
          externalRef: 'user-from-session',
        }),
      );

      expect(linked).toBe(row.id);
      const session = await t.dataSource
        .getRepository(CheckoutSessionEntity)
        .findOneByOrFail({ id: sessionId });
      expect(session.subscriptionId).toBe(row.id);
      expect((await subscriptionRow(ids.subscription)).customerRef).toBe('user-from-session');
      const [charge] = await invoiceCharges(ids.invoice);
      expect(charge.customerRef).toBe('user-from-session');
      const listed = await t.http
        .get('/api/v1/payment/subscriptions')
        .query({ customer_ref: 'user-from-session' })
        .expect(200);
      expect(listed.body.subscriptions.map((s: { id: number }) => s.id)).toContain(row.id);
    });
  });

  describe('cancel and resume through the Stripe adapter', () => {
    const ids: Ids = {
      subscription: 'sub_cancel_api',
      customer: 'cus_known',
      invoice: 'in_cancel_api',
      paymentIntent: 'pi_cancel_api',
      charge: 'ch_cancel_api',
    };
    // Stripe's answer: what it scheduled (cancel_at differs from our period end only to prove where the row's value came from).
    const answer = (cancel: boolean): StripeObject =>
      subscriptionObject('current', ids, {
        ...CREATED,
        cancelAtPeriodEnd: cancel,
        cancelAt: cancel ? PERIOD_END + 1 : null,
        canceledAt: cancel ? T0 + 7 : null,
      });

    it('sends cancel_at_period_end=true with an idempotency key and takes the row from the answer', async () => {
      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', ids, CREATED),
        T0,
      );
      const row = await subscriptionRow(ids.subscription);
      stripe.calls.length = 0;
      stripe.override = (call) => ({
        status: 200,
        body: answer(call.form.get('cancel_at_period_end') === 'true'),
      });

      const response = await t.http
        .post(`/api/v1/payment/subscriptions/${row.id}/cancel`)
        .expect(200);
      expect(response.body).toEqual(
        expect.objectContaining({
          id: row.id,
          status: 'active',
          cancel_at_period_end: true,
          cancel_at: iso(PERIOD_END + 1),
          canceled_at: iso(T0 + 7),
          current_period_end: iso(PERIOD_END),
        }),
      );
      expect(stripe.calls).toHaveLength(1);
      const [request] = stripe.calls;
      expect(request.method).toBe('POST');
      expect(request.path).toBe(`/v1/subscriptions/${ids.subscription}`);
      expect(request.form.get('cancel_at_period_end')).toBe('true');
      expect(request.idempotencyKey).toMatch(
        new RegExp(`^subscription-${row.id}-cancel-at-period-end-${PERIOD_END}-`),
      );
      expect((await subscriptionRow(ids.subscription)).cancelAtPeriodEnd).toBe(true);

      const resumed = await t.http
        .post(`/api/v1/payment/subscriptions/${row.id}/resume`)
        .expect(200);
      expect(resumed.body).toEqual(
        expect.objectContaining({ cancel_at_period_end: false, cancel_at: null }),
      );
      expect(stripe.calls).toHaveLength(2);
      expect(stripe.calls[1].form.get('cancel_at_period_end')).toBe('false');
      expect(stripe.calls[1].idempotencyKey).toMatch(new RegExp(`^subscription-${row.id}-resume-`));
    });

    it("does not overwrite a newer webhook's state with the answer that arrives after it", async () => {
      const race: Ids = {
        subscription: 'sub_cancel_race',
        customer: 'cus_known',
        invoice: 'in_cancel_race',
        paymentIntent: 'pi_cancel_race',
        charge: 'ch_cancel_race',
      };
      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', race, CREATED),
        T0,
      );
      const row = await subscriptionRow(race.subscription);
      // Stripe schedules our cancellation; before its answer reaches us, a resume made right
      // after it (another request, the dashboard) arrives by webhook.
      stripe.override = async () => {
        await deliver(
          'current',
          'customer.subscription.updated',
          subscriptionObject('current', race, { ...CREATED, metadata: { stage: 'resumed' } }),
          T0 + 300,
        );
        return {
          status: 200,
          body: subscriptionObject('current', race, {
            ...CREATED,
            cancelAtPeriodEnd: true,
            cancelAt: PERIOD_END,
            canceledAt: T0 + 299,
          }),
        };
      };
      await t.http.post(`/api/v1/payment/subscriptions/${row.id}/cancel`).expect(200);

      const after = await subscriptionRow(race.subscription);
      expect(after).toEqual(
        expect.objectContaining({ cancelAtPeriodEnd: false, cancelAt: null, canceledAt: null }),
      );
    });

    it('answers a resume with what the provider answered when the echo of the earlier cancel lands during the call', async () => {
      const echo: Ids = {
        subscription: 'sub_resume_echo',
        customer: 'cus_known',
        invoice: 'in_resume_echo',
        paymentIntent: 'pi_resume_echo',
        charge: 'ch_resume_echo',
      };
      const canceled = {
        ...CREATED,
        cancelAtPeriodEnd: true,
        cancelAt: PERIOD_END,
        canceledAt: T0 + 10,
      };
      await deliver(
        'current',
        'customer.subscription.created',
        subscriptionObject('current', echo, CREATED),
        T0,
      );
      const row = await subscriptionRow(echo.subscription);
      stripe.override = () => ({
        status: 200,
        body: subscriptionObject('current', echo, canceled),
      });
      await t.http.post(`/api/v1/payment/subscriptions/${row.id}/cancel`).expect(200);

      // The cancel's own webhook arrives while the resume call is running.
      stripe.override = async () => {
        await deliver(
          'current',
          'customer.subscription.updated',
          subscriptionObject('current', echo, canceled),
          T0 + 10,
        );
        return { status: 200, body: subscriptionObject('current', echo, CREATED) };
      };
      const resumed = await t.http
        .post(`/api/v1/payment/subscriptions/${row.id}/resume`)
        .expect(200);
      expect(resumed.body).toEqual(
        expect.objectContaining({ cancel_at_period_end: false, cancel_at: null }),
      );

      // The row is the webhooks' until the resume's own webhook arrives.
      await deliver(
        'current',
        'customer.subscription.updated',
        subscriptionObject('current', echo, CREATED),
        T0 + 20,
      );
      expect(await subscriptionRow(echo.subscription)).toEqual(
        expect.objectContaining({ cancelAtPeriodEnd: false, cancelAt: null }),
      );
    });

    it("passes Stripe's refusal on as a 400 and leaves the row as it was", async () => {
      const row = await subscriptionRow(ids.subscription);
      stripe.override = () => ({
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            message: `No such subscription: '${ids.subscription}'`,
          },
        },
      });
      const response = await t.http
        .post(`/api/v1/payment/subscriptions/${row.id}/cancel`)
        .expect(400);
      expect(response.body.message).toBe(`No such subscription: '${ids.subscription}'`);
      const after = await subscriptionRow(ids.subscription);
      expect(after.cancelAtPeriodEnd).toBe(row.cancelAtPeriodEnd);
      expect(after.updatedAt).toEqual(row.updatedAt);
    });
  });
});
