import { Injectable, Module } from '@nestjs/common';
import { runCli } from '../../src/cli/run-cli';
import { OnPaymentEvent } from '../../src/events/on-payment-event.decorator';
import { PaymentEvents } from '../../src/events/payment-events';
import {
  PAYMENT_PROVIDER,
  type PaymentProvider,
} from '../../src/payment-provider/payment-provider.interface';
import { SandboxStore } from '../../src/payment-provider/sandbox/sandbox.store';
import type { SubscriptionResource } from '../../src/subscriptions/subscription.resource';
import type {
  InvoicePaidEvent,
  InvoiceSummary,
  SubscriptionCanceledEvent,
  SubscriptionCreatedEvent,
  SubscriptionUpdatedEvent,
} from '../../src/subscriptions/subscriptions.events';
import type { TransactionResource } from '../../src/transactions/transaction.resource';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { createTestApp, type TestApp } from '../support/test-app';

const MONTHLY = 'price_sandbox_monthly';

/** What the recorded events carry (each has some of these). */
interface Recorded {
  providerEventId: string | null;
  subscription?: SubscriptionResource | null;
  transaction?: TransactionResource | null;
  invoice?: InvoiceSummary;
}

/** Records the subscription and invoice events app code would listen to. */
@Injectable()
class EventRecorder {
  readonly seen: { name: string; payload: Recorded }[] = [];

  @OnPaymentEvent(PaymentEvents.SUBSCRIPTION_CREATED)
  created(payload: SubscriptionCreatedEvent): void {
    this.seen.push({ name: PaymentEvents.SUBSCRIPTION_CREATED, payload });
  }

  @OnPaymentEvent(PaymentEvents.SUBSCRIPTION_UPDATED)
  updated(payload: SubscriptionUpdatedEvent): void {
    this.seen.push({ name: PaymentEvents.SUBSCRIPTION_UPDATED, payload });
  }

  @OnPaymentEvent(PaymentEvents.SUBSCRIPTION_CANCELED)
  canceled(payload: SubscriptionCanceledEvent): void {
    this.seen.push({ name: PaymentEvents.SUBSCRIPTION_CANCELED, payload });
  }

  @OnPaymentEvent(PaymentEvents.INVOICE_PAID)
  invoicePaid(payload: InvoicePaidEvent): void {
    this.seen.push({ name: PaymentEvents.INVOICE_PAID, payload });
  }

  about(name: string, subscriptionId: number): Recorded[] {
    return this.seen
      .filter((event) => event.name === name)
      .map((event) => event.payload)
      .filter(
        (payload) =>
          (payload.subscription?.id ?? payload.transaction?.subscription_id) === subscriptionId,
      );
  }
}

@Module({ providers: [EventRecorder] })
class EventRecorderModule {}

describe('subscriptions on the sandbox provider', () => {
  let t: TestApp;
  let recorder: EventRecorder;
  let provider: PaymentProvider;

  beforeAll(async () => {
    t = await createTestApp({}, { imports: [EventRecorderModule] });
    recorder = t.app.get(EventRecorder);
    provider = t.app.get<PaymentProvider>(PAYMENT_PROVIDER);
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  /** Starts a subscription checkout for an app user and pays it on the hosted sandbox page. */
  async function subscribe(customerRef: string): Promise<SubscriptionResource> {
    return (await subscribeThroughCheckout(customerRef)).subscription;
  }

  async function subscribeThroughCheckout(
    customerRef: string,
  ): Promise<{ sessionId: string; subscription: SubscriptionResource }> {
    const checkout = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: MONTHLY, mode: 'subscription', customer_ref: customerRef })
      .expect(201);
    const sessionId = checkout.body.session_id as string;
    const paid = await t.http.post(`/sandbox/checkout/${sessionId}/pay`);
    expect([302, 303]).toContain(paid.status);
    const list = await t.http
      .get('/api/v1/payment/subscriptions')
      .query({ customer_ref: customerRef })
      .expect(200);
    expect(list.body.subscriptions).toHaveLength(1);
    return { sessionId, subscription: list.body.subscriptions[0] };
  }

  async function chargesOf(customerRef: string): Promise<TransactionResource[]> {
    const response = await t.http
      .get('/api/v1/payment/transactions')
      .query({ customer_ref: customerRef, type: 'charge' })
      .expect(200);
    return response.body.transactions;
  }

  async function advanceClockPast(
    isoTime: string | null,
  ): Promise<{ renewed: { subscription: string }[] }> {
    const clock = await t.http.get('/sandbox/clock').expect(200);
    const seconds = Math.floor(Date.parse(isoTime!) / 1000) - clock.body.now_unix + 60;
    const advanced = await t.http.post('/sandbox/clock/advance').send({ seconds }).expect(200);
    expect(advanced.body.events.every((event: { delivered: boolean }) => event.delivered)).toBe(
      true,
    );
    return advanced.body;
  }

  it('mirrors a paid subscription checkout: an active subscription and its first invoice charge', async () => {
    const { sessionId, subscription } = await subscribeThroughCheckout('user-active');
    expect(subscription).toEqual(
      expect.objectContaining({
        status: 'active',
        price_id: MONTHLY,
        plan_name: 'Pro Monthly',
        quantity: 1,
        customer_ref: 'user-active',
        provider: 'sandbox',
        cancel_at_period_end: false,
        cancel_at: null,
        canceled_at: null,
        ended_at: null,
      }),
    );
    expect(subscription.provider_subscription_id).toMatch(/^sub_sbx_/);
    const periodDays =
      (Date.parse(subscription.current_period_end!) -
        Date.parse(subscription.current_period_start!)) /
      86_400_000;
    expect(periodDays).toBeGreaterThanOrEqual(28);
    expect(periodDays).toBeLessThanOrEqual(31);

    const charges = await chargesOf('user-active');
    expect(charges).toHaveLength(1);
    expect(charges[0]).toEqual(
      expect.objectContaining({
        type: 'charge',
        status: 'succeeded',
        amount: 900,
        currency: 'usd',
        subscription_id: subscription.id,
        description: 'Pro Monthly',
        customer_ref: 'user-active',
      }),
    );
    expect(charges[0].provider_invoice_id).toMatch(/^in_sbx_/);
    expect(charges[0].provider_payment_intent_id).toMatch(/^pi_sbx_/);

    await t.http.get(`/api/v1/payment/subscriptions/${subscription.id}`).expect(200, subscription);
    const session = await t.http.get(`/api/v1/payment/checkout/${sessionId}`).expect(200);
    expect(session.body).toEqual(
      expect.objectContaining({ status: 'complete', subscription_id: subscription.id }),
    );
    await waitForPaymentEvents(t.app);
    expect(recorder.about(PaymentEvents.SUBSCRIPTION_CREATED, subscription.id)).toHaveLength(1);
    await waitForPaymentEvents(t.app);
    const [paid] = recorder.about(PaymentEvents.INVOICE_PAID, subscription.id);
    expect(paid.invoice).toEqual(
      expect.objectContaining({ billing_reason: 'subscription_create', amount: 900 }),
    );
    expect(paid.transaction!.id).toBe(charges[0].id);
    expect(paid.providerEventId).toMatch(/^evt_sbx_/);
  });

  it('cancels at period end at the provider, then ends the subscription when the period is over', async () => {
    const subscription = await subscribe('user-cancel');
    const cancelCalls = jest.spyOn(provider, 'cancelSubscriptionAtPeriodEnd');

    const canceled = await t.http
      .post(`/api/v1/payment/subscriptions/${subscription.id}/cancel`)
      .expect(200);
    expect(canceled.body).toEqual(
      expect.objectContaining({
        id: subscription.id,
        status: 'active',
        cancel_at_period_end: true,
        current_period_end: subscription.current_period_end,
        cancel_at: subscription.current_period_end,
      }),
    );
    expect(cancelCalls).toHaveBeenCalledTimes(1);
    expect(cancelCalls.mock.calls[0][0]).toBe(subscription.provider_subscription_id);
    expect(cancelCalls.mock.calls[0][1]).toMatch(
      new RegExp(`^subscription-${subscription.id}-cancel-at-period-end-\\d+-`),
    );
    const atProvider = t.app
      .get(SandboxStore)
      .subscriptions.get(subscription.provider_subscription_id);
    expect(atProvider).toEqual(
      expect.objectContaining({ status: 'active', cancel_at_period_end: true }),
    );

    // A second click: the same answer, nothing else changes.
    const again = await t.http
      .post(`/api/v1/payment/subscriptions/${subscription.id}/cancel`)
      .expect(200);
    const { updated_at: _first, ...firstFields } = canceled.body;
    const { updated_at: _second, ...secondFields } = again.body;
    expect(secondFields).toEqual(firstFields);

    await advanceClockPast(subscription.current_period_end);
    const ended = await t.http.get(`/api/v1/payment/subscriptions/${subscription.id}`).expect(200);
    expect(ended.body).toEqual(
      expect.objectContaining({
        status: 'canceled',
        ended_at: subscription.current_period_end,
        cancel_at_period_end: true,
      }),
    );
    await waitForPaymentEvents(t.app);
    const canceledEvents = recorder.about(PaymentEvents.SUBSCRIPTION_CANCELED, subscription.id);
    expect(canceledEvents).toHaveLength(1);
    expect(canceledEvents[0].subscription!.status).toBe('canceled');
    expect(await chargesOf('user-cancel')).toHaveLength(1);

    cancelCalls.mockClear();
    const late = await t.http
      .post(`/api/v1/payment/subscriptions/${subscription.id}/cancel`)
      .expect(409);
    expect(late.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `Subscription ${subscription.id} has already ended (status canceled); it cannot be canceled`,
      details: { status: 'canceled' },
    });
    expect(cancelCalls).not.toHaveBeenCalled();
    await t.http.post(`/api/v1/payment/subscriptions/${subscription.id}/resume`).expect(409);
  });

  it('resumes a scheduled cancellation, and a later cancel reaches the provider again', async () => {
    const subscription = await subscribe('user-resume');
    const atProvider = () =>
      t.app.get(SandboxStore).subscriptions.get(subscription.provider_subscription_id);

    // Resuming what is not scheduled is harmless.
    const untouched = await t.http
      .post(`/api/v1/payment/subscriptions/${subscription.id}/resume`)
      .expect(200);
    expect(untouched.body.cancel_at_period_end).toBe(false);

    await t.http.post(`/api/v1/payment/subscriptions/${subscription.id}/cancel`).expect(200);
    const resumed = await t.http
      .post(`/api/v1/payment/subscriptions/${subscription.id}/resume`)
      .expect(200);
    expect(resumed.body).toEqual(
      expect.objectContaining({ status: 'active', cancel_at_period_end: false, cancel_at: null }),
    );
    expect(atProvider()?.cancel_at_period_end).toBe(false);

    // Not the provider's remembered answer to the first cancel: the cancellation is made again.
    const recanceled = await t.http
      .post(`/api/v1/payment/subscriptions/${subscription.id}/cancel`)
      .expect(200);
    expect(recanceled.body.cancel_at_period_end).toBe(true);
    expect(atProvider()?.cancel_at_period_end).toBe(true);
  });

  it('records each renewal as another invoice charge of the subscription', async () => {
    const subscription = await subscribe('user-renew');
    const advanced = await advanceClockPast(subscription.current_period_end);
    expect(advanced.renewed).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ subscription: subscription.provider_subscription_id }),
      ]),
    );

    const renewed = await t.http
      .get(`/api/v1/payment/subscriptions/${subscription.id}`)
      .expect(200);
    expect(renewed.body).toEqual(
      expect.objectContaining({
        status: 'active',
        current_period_start: subscription.current_period_end,
      }),
    );
    expect(Date.parse(renewed.body.current_period_end)).toBeGreaterThan(
      Date.parse(subscription.current_period_end!),
    );

    const charges = await chargesOf('user-renew');
    expect(charges).toHaveLength(2);
    expect(charges.map((charge) => charge.status)).toEqual(['succeeded', 'succeeded']);
    expect(charges.every((charge) => charge.subscription_id === subscription.id)).toBe(true);
    expect(new Set(charges.map((charge) => charge.provider_invoice_id)).size).toBe(2);
    // Durable listeners are called after the commit: wait for them before reading what they heard.
    await waitForPaymentEvents(t.app);
    const reasons = recorder
      .about(PaymentEvents.INVOICE_PAID, subscription.id)
      .map((event) => event.invoice!.billing_reason);
    expect(reasons).toEqual(['subscription_create', 'subscription_cycle']);
    await waitForPaymentEvents(t.app);
    expect(recorder.about(PaymentEvents.SUBSCRIPTION_CANCELED, subscription.id)).toHaveLength(0);
  });

  describe('listing', () => {
    it('filters by status and customer_ref, newest first, with paging', async () => {
      const first = await subscribe('user-list-a');
      const second = await subscribe('user-list-b');

      const page = await t.http
        .get('/api/v1/payment/subscriptions')
        .query({ page_size: 1, include: 'total' })
        .expect(200);
      expect(page.body).toEqual(
        expect.objectContaining({
          page: 1,
          page_size: 1,
          total: expect.any(Number),
          has_more: true,
        }),
      );
      expect(page.body.total).toBeGreaterThanOrEqual(2);
      expect(page.body.subscriptions[0].id).toBe(second.id);
      const next = await t.http
        .get('/api/v1/payment/subscriptions')
        .query({ page: 2, page_size: 1 })
        .expect(200);
      expect(next.body.subscriptions[0].id).toBe(first.id);

      const canceled = await t.http
        .get('/api/v1/payment/subscriptions')
        .query({ status: 'canceled' })
        .expect(200);
      expect(
        canceled.body.subscriptions.every((s: { status: string }) => s.status === 'canceled'),
      ).toBe(true);
      expect(canceled.body.subscriptions.map((s: { id: number }) => s.id)).not.toContain(first.id);

      const mine = await t.http
        .get('/api/v1/payment/subscriptions')
        .query({ customer_ref: 'user-list-a', status: 'active', page: 1, include: 'total' })
        .expect(200);
      expect(mine.body).toEqual({
        subscriptions: [first],
        total: 1,
        page: 1,
        page_size: 20,
        has_more: false,
      });
    });

    it('lists subscriptions from the CLI, filtered like the API', async () => {
      const lines: string[] = [];
      const errors: string[] = [];
      const run = (argv: string[]) =>
        runCli(
          ['subscriptions', ...argv],
          { out: (text) => lines.push(text), err: (text) => errors.push(text) },
          t.env,
          { app: t.app },
        );

      expect(await run(['--customer-ref', 'user-list-a', '--status', 'active'])).toBe(0);
      const [header, , row, ...rest] = lines.join('\n').split('\n');
      expect(header).toMatch(/^ID\s+STATUS\s+PLAN\s+CUSTOMER REF/);
      expect(row).toMatch(/\bactive\s+Pro Monthly\s+user-list-a\b/);
      expect(rest).toEqual([]);

      lines.length = 0;
      expect(await run(['--customer-ref', 'user-list-a', '--status', 'active', '--json'])).toBe(0);
      expect(JSON.parse(lines.join('\n'))).toEqual({
        subscriptions: [expect.objectContaining({ customer_ref: 'user-list-a', status: 'active' })],
        total: 1,
      });

      expect(await run(['--status', 'gone'])).toBe(2);
      expect(errors.join('\n')).toContain("argument 'gone' is invalid. Allowed choices are");
    });

    it('answers 404 for an unknown subscription and 400 for bad filters', async () => {
      const missing = await t.http.get('/api/v1/payment/subscriptions/999999').expect(404);
      expect(missing.body.message).toBe('Subscription 999999 not found');
      await t.http.post('/api/v1/payment/subscriptions/999999/cancel').expect(404);
      const bad = await t.http
        .get('/api/v1/payment/subscriptions')
        .query({ status: 'gone', page_size: 500 })
        .expect(400);
      expect(Object.keys(bad.body.details.fields).sort()).toEqual(['page_size', 'status']);
    });
  });
});
