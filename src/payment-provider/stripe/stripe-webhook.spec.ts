import Stripe from 'stripe';
import {
  STRIPE_FIXTURE_IDS as ID,
  STRIPE_FIXTURE_TIME as T0,
  STRIPE_LEGACY_API_VERSION,
  signedStripeDelivery,
  stripeEvent,
  stripeObject,
  type StripeObject,
} from '../../../test/fixtures/stripe/events';
import { WebhookVerificationError, UnreadableWebhookError } from '../payment-provider.errors';
import type {
  CheckoutSessionSnapshot,
  InvoiceSnapshot,
  PaymentSnapshot,
  ProviderChange,
  RefundSnapshot,
  SubscriptionSnapshot,
} from '../payment-provider.types';
import { StripePaymentProvider } from './stripe.provider';

const SECRET = 'whsec_current_0123456789abcdef';
const NEXT_SECRET = 'whsec_next_fedcba9876543210';
const TOLERANCE = 300;

const provider = new StripePaymentProvider({
  secretKey: 'sk_test_webhooks',
  webhookSecrets: [SECRET, NEXT_SECRET],
  webhookToleranceSeconds: TOLERANCE,
});

const at = (seconds: number): Date => new Date(seconds * 1000);
const DAY = 86400;

function sign(payload: string, secret = SECRET, timestamp?: number): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

function deliver(body: string, header?: string) {
  return provider.parseWebhook(
    Buffer.from(body, 'utf8'),
    header === undefined ? {} : { 'stripe-signature': header },
  );
}

// The snapshots the example objects map to; rows below state only what their event changes.
const paidSession: CheckoutSessionSnapshot = {
  id: ID.checkoutPayment,
  mode: 'payment',
  status: 'complete',
  paymentStatus: 'paid',
  url: null,
  expiresAt: at(T0 + DAY),
  amountTotal: 2000,
  currency: 'usd',
  paymentIntentId: ID.paymentIntent,
  subscriptionId: null,
  customerId: ID.customer,
  customerEmail: 'jenny.rosen@example.com',
  clientReferenceId: 'user_42',
  metadata: { order_ref: 'order_1001' },
};

const succeededPayment: PaymentSnapshot = {
  id: ID.paymentIntent,
  status: 'succeeded',
  amount: 2000,
  currency: 'usd',
  chargeId: ID.charge,
  customerId: ID.customer,
  invoiceId: null,
  description: 'T-shirt',
  failureMessage: null,
  metadata: { order_ref: 'order_1001' },
};

const paidInvoice: InvoiceSnapshot = {
  id: ID.invoice,
  subscriptionId: ID.subscription,
  customerId: ID.customer,
  paymentIntentId: ID.paymentIntent,
  chargeId: null,
  amount: 2000,
  currency: 'usd',
  status: 'paid',
  billingReason: 'subscription_create',
  failureMessage: null,
};

const activeSubscription: SubscriptionSnapshot = {
  id: ID.subscription,
  customerId: ID.customer,
  status: 'active',
  priceId: ID.monthlyPrice,
  planName: 'Pro monthly',
  quantity: 1,
  currentPeriodStart: at(T0),
  currentPeriodEnd: at(T0 + 31 * DAY),
  cancelAtPeriodEnd: false,
  cancelAt: null,
  canceledAt: null,
  endedAt: null,
  trialEnd: null,
  metadata: { plan_ref: 'pro' },
};
// The legacy example's period sits on the subscription and differs from the items' on purpose.
const legacyPeriod = { currentPeriodStart: at(T0 - DAY), currentPeriodEnd: at(T0 + 29 * DAY) };

const succeededRefund: RefundSnapshot = {
  id: ID.refund,
  paymentIntentId: ID.paymentIntent,
  chargeId: ID.charge,
  amount: 500,
  currency: 'usd',
  status: 'succeeded',
  reason: 'requested_by_customer',
  failureReason: null,
  metadata: { refund_ref: '7', reason_text: 'Arrived damaged' },
};

/** ProviderChange without `raw`, per member of the union (a plain Omit would merge them). */
type ChangeWithoutRaw = ProviderChange extends infer C
  ? C extends unknown
    ? Omit<C, 'raw'>
    : never
  : never;

interface Row {
  name: string;
  type: string;
  object: StripeObject;
  apiVersion?: string;
  /** The expected change without `raw` (always the event's data.object). */
  change: ChangeWithoutRaw | null;
}

const failedIntent = stripeObject('payment-intent.failed');

const rows: Row[] = [
  {
    name: 'a paid payment-mode session',
    type: 'checkout.session.completed',
    object: stripeObject('checkout-session.payment'),
    change: { kind: 'checkout.completed', session: paidSession },
  },
  {
    name: 'a subscription-mode session (no payment intent)',
    type: 'checkout.session.completed',
    object: stripeObject('checkout-session.subscription'),
    change: {
      kind: 'checkout.completed',
      session: {
        ...paidSession,
        id: ID.checkoutSubscription,
        mode: 'subscription',
        paymentIntentId: null,
        subscriptionId: ID.subscription,
        metadata: { plan_ref: 'pro' },
      },
    },
  },
  {
    name: 'an expired session',
    type: 'checkout.session.expired',
    object: stripeObject('checkout-session.payment', {
      status: 'expired',
      payment_status: 'unpaid',
      payment_intent: null,
    }),
    change: {
      kind: 'checkout.expired',
      session: {
        ...paidSession,
        status: 'expired',
        paymentStatus: 'unpaid',
        paymentIntentId: null,
      },
    },
  },
  {
    name: 'a delayed payment that succeeded',
    type: 'checkout.session.async_payment_succeeded',
    object: stripeObject('checkout-session.payment'),
    change: { kind: 'checkout.async_payment_succeeded', session: paidSession },
  },
  {
    name: 'a delayed payment that failed',
    type: 'checkout.session.async_payment_failed',
    object: stripeObject('checkout-session.payment', { payment_status: 'unpaid' }),
    change: {
      kind: 'checkout.async_payment_failed',
      session: { ...paidSession, paymentStatus: 'unpaid' },
    },
  },
  {
    name: 'a succeeded payment intent',
    type: 'payment_intent.succeeded',
    object: stripeObject('payment-intent.succeeded'),
    change: { kind: 'payment.succeeded', payment: succeededPayment },
  },
  {
    name: 'a declined payment intent',
    type: 'payment_intent.payment_failed',
    object: failedIntent,
    change: {
      kind: 'payment.failed',
      payment: {
        ...succeededPayment,
        status: 'failed',
        chargeId: ID.declinedCharge,
        failureMessage: 'Your card was declined.',
      },
    },
  },
  {
    name: 'a paid invoice (parent.subscription_details, payments)',
    type: 'invoice.paid',
    object: stripeObject('invoice'),
    change: { kind: 'invoice.paid', invoice: paidInvoice },
  },
  {
    name: 'a paid invoice, pre-2025 shape (invoice.subscription, payment_intent, charge)',
    type: 'invoice.paid',
    object: stripeObject('invoice.2024-06-20'),
    apiVersion: STRIPE_LEGACY_API_VERSION,
    change: { kind: 'invoice.paid', invoice: { ...paidInvoice, chargeId: ID.charge } },
  },
  {
    name: 'a failed invoice payment with the payment intent expanded',
    type: 'invoice.payment_failed',
    object: stripeObject('invoice', {
      status: 'open',
      amount_paid: 0,
      amount_remaining: 2000,
      payments: {
        object: 'list',
        has_more: false,
        url: '/v1/invoice_payments',
        data: [
          {
            id: 'inpay_1Pgc6tB7WZ01zgkWpay00001',
            object: 'invoice_payment',
            invoice: ID.invoice,
            is_default: true,
            status: 'open',
            payment: { type: 'payment_intent', payment_intent: failedIntent },
          },
        ],
      },
    }),
    change: {
      kind: 'invoice.payment_failed',
      invoice: {
        ...paidInvoice,
        status: 'open',
        chargeId: ID.declinedCharge,
        failureMessage: 'Your card was declined.',
      },
    },
  },
  {
    name: 'a failed invoice payment, pre-2025 shape',
    type: 'invoice.payment_failed',
    object: stripeObject('invoice.2024-06-20', {
      status: 'open',
      paid: false,
      amount_paid: 0,
      charge: ID.declinedCharge,
    }),
    apiVersion: STRIPE_LEGACY_API_VERSION,
    change: {
      kind: 'invoice.payment_failed',
      invoice: { ...paidInvoice, status: 'open', chargeId: ID.declinedCharge },
    },
  },
  {
    name: 'a new subscription awaiting its first payment',
    type: 'customer.subscription.created',
    object: stripeObject('subscription', { status: 'incomplete' }),
    change: {
      kind: 'subscription.changed',
      action: 'created',
      subscription: { ...activeSubscription, status: 'incomplete' },
    },
  },
  {
    name: 'a new subscription, pre-2025 shape (period on the subscription)',
    type: 'customer.subscription.created',
    object: stripeObject('subscription.2024-06-20'),
    apiVersion: STRIPE_LEGACY_API_VERSION,
    change: {
      kind: 'subscription.changed',
      action: 'created',
      subscription: { ...activeSubscription, ...legacyPeriod },
    },
  },
  {
    name: 'a subscription set to cancel at period end',
    type: 'customer.subscription.updated',
    object: stripeObject('subscription', {
      cancel_at_period_end: true,
      cancel_at: T0 + 31 * DAY,
    }),
    change: {
      kind: 'subscription.changed',
      action: 'updated',
      subscription: { ...activeSubscription, cancelAtPeriodEnd: true, cancelAt: at(T0 + 31 * DAY) },
    },
  },
  {
    name: 'a subscription set to cancel at period end, pre-2025 shape',
    type: 'customer.subscription.updated',
    object: stripeObject('subscription.2024-06-20', { cancel_at_period_end: true }),
    apiVersion: STRIPE_LEGACY_API_VERSION,
    change: {
      kind: 'subscription.changed',
      action: 'updated',
      subscription: { ...activeSubscription, ...legacyPeriod, cancelAtPeriodEnd: true },
    },
  },
  {
    name: 'an ended subscription',
    type: 'customer.subscription.deleted',
    object: stripeObject('subscription', {
      status: 'canceled',
      canceled_at: T0 + 10 * DAY,
      ended_at: T0 + 10 * DAY,
    }),
    change: {
      kind: 'subscription.deleted',
      subscription: {
        ...activeSubscription,
        status: 'canceled',
        canceledAt: at(T0 + 10 * DAY),
        endedAt: at(T0 + 10 * DAY),
      },
    },
  },
  {
    name: 'an ended subscription, pre-2025 shape',
    type: 'customer.subscription.deleted',
    object: stripeObject('subscription.2024-06-20', { status: 'canceled', ended_at: T0 }),
    apiVersion: STRIPE_LEGACY_API_VERSION,
    change: {
      kind: 'subscription.deleted',
      subscription: { ...activeSubscription, ...legacyPeriod, status: 'canceled', endedAt: at(T0) },
    },
  },
  {
    name: 'a partly refunded charge listing its refunds',
    type: 'charge.refunded',
    object: stripeObject('charge.refunded'),
    change: {
      kind: 'charge.refunded',
      charge: {
        id: ID.charge,
        paymentIntentId: ID.paymentIntent,
        amount: 2000,
        amountRefunded: 500,
        currency: 'usd',
        refunds: [succeededRefund],
      },
    },
  },
  {
    name: 'a new pending refund',
    type: 'refund.created',
    object: stripeObject('refund', { status: 'pending' }),
    change: {
      kind: 'refund.changed',
      action: 'created',
      refund: { ...succeededRefund, status: 'pending' },
    },
  },
  {
    name: 'a refund that succeeded',
    type: 'refund.updated',
    object: stripeObject('refund'),
    change: { kind: 'refund.changed', action: 'updated', refund: succeededRefund },
  },
  {
    name: 'a refund that failed',
    type: 'refund.failed',
    object: stripeObject('refund', {
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
    }),
    change: {
      kind: 'refund.changed',
      action: 'failed',
      refund: { ...succeededRefund, status: 'failed', failureReason: 'expired_or_canceled_card' },
    },
  },
  {
    name: 'a refund change announced the older way',
    type: 'charge.refund.updated',
    object: stripeObject('refund', { status: 'canceled' }),
    apiVersion: STRIPE_LEGACY_API_VERSION,
    change: {
      kind: 'refund.changed',
      action: 'updated',
      refund: { ...succeededRefund, status: 'canceled' },
    },
  },
  {
    name: 'a new chargeback with an evidence deadline',
    type: 'charge.dispute.created',
    object: stripeObject('dispute'),
    change: {
      kind: 'dispute.changed',
      action: 'created',
      dispute: {
        id: ID.dispute,
        chargeId: ID.charge,
        paymentIntentId: ID.paymentIntent,
        status: 'needs_response',
        reason: 'fraudulent',
        amount: 2000,
        currency: 'usd',
        evidenceDueBy: at(T0 + 21 * DAY),
      },
    },
  },
  {
    name: 'a dispute under review',
    type: 'charge.dispute.updated',
    object: stripeObject('dispute', { status: 'under_review' }),
    change: {
      kind: 'dispute.changed',
      action: 'updated',
      dispute: {
        id: ID.dispute,
        chargeId: ID.charge,
        paymentIntentId: ID.paymentIntent,
        status: 'under_review',
        reason: 'fraudulent',
        amount: 2000,
        currency: 'usd',
        evidenceDueBy: at(T0 + 21 * DAY),
      },
    },
  },
  {
    name: 'a closed dispute without a deadline (due_by 0)',
    type: 'charge.dispute.closed',
    object: stripeObject('dispute', {
      status: 'won',
      evidence_details: { due_by: 0, has_evidence: true, past_due: false, submission_count: 1 },
    }),
    change: {
      kind: 'dispute.changed',
      action: 'closed',
      dispute: {
        id: ID.dispute,
        chargeId: ID.charge,
        paymentIntentId: ID.paymentIntent,
        status: 'won',
        reason: 'fraudulent',
        amount: 2000,
        currency: 'usd',
        evidenceDueBy: null,
      },
    },
  },
  {
    name: 'an early fraud warning',
    type: 'radar.early_fraud_warning.created',
    object: stripeObject('early-fraud-warning'),
    change: {
      kind: 'fraud_warning.changed',
      action: 'created',
      warning: {
        id: ID.fraudWarning,
        chargeId: ID.charge,
        paymentIntentId: ID.paymentIntent,
        fraudType: 'made_with_stolen_card',
        actionable: true,
      },
    },
  },
  {
    name: 'an early fraud warning no longer actionable',
    type: 'radar.early_fraud_warning.updated',
    object: stripeObject('early-fraud-warning', { actionable: false }),
    change: {
      kind: 'fraud_warning.changed',
      action: 'updated',
      warning: {
        id: ID.fraudWarning,
        chargeId: ID.charge,
        paymentIntentId: ID.paymentIntent,
        fraudType: 'made_with_stolen_card',
        actionable: false,
      },
    },
  },
  {
    name: 'an event type the service does not act on',
    type: 'customer.created',
    object: stripeObject('customer'),
    change: null,
  },
  {
    name: 'a setup-mode session (not one of ours)',
    type: 'checkout.session.completed',
    object: stripeObject('checkout-session.payment', { mode: 'setup', payment_intent: null }),
    change: null,
  },
];

describe('StripePaymentProvider.parseWebhook', () => {
  it.each(rows)('maps $type: $name', ({ type, object, apiVersion, change }) => {
    const event = stripeEvent(type, object, {
      id: 'evt_1TestMapping',
      created: T0 + 42,
      apiVersion,
    });
    const body = JSON.stringify(event, null, 2);

    const parsed = deliver(body, sign(body));

    expect(parsed.id).toBe('evt_1TestMapping');
    expect(parsed.type).toBe(type);
    expect(parsed.occurredAt).toEqual(at(T0 + 42));
    expect(parsed.payload).toEqual(event);
    expect(parsed.change).toEqual(change === null ? null : { ...change, raw: object });
    // A replay from the inbox must give what the live delivery gave.
    expect(provider.interpretEvent(parsed.payload)).toEqual(parsed);
  });

  describe('refuses a delivery it cannot trust', () => {
    const event = stripeEvent('refund.updated', stripeObject('refund'));
    const body = JSON.stringify(event);
    const nowSeconds = (): number => Math.floor(Date.now() / 1000);

    const incomplete = JSON.stringify(
      stripeEvent('refund.updated', { object: 'refund', id: 're_1' }),
    );

    const cases: Array<{
      name: string;
      body: string;
      header?: string;
      message: RegExp;
      unreadable?: true;
    }> = [
      {
        name: 'signed with another secret',
        body,
        header: sign(body, 'whsec_someone_else'),
        message: /does not match the body for any configured webhook secret/,
      },
      {
        name: 'signed longer ago than the tolerance',
        body,
        header: sign(body, SECRET, nowSeconds() - TOLERANCE - 60),
        message: /timestamp is older than the 300-second tolerance/,
      },
      {
        name: 'signed further in the future than the tolerance',
        body,
        header: sign(body, SECRET, nowSeconds() + TOLERANCE + 60),
        message: /timestamp is more than the 300-second tolerance in the future/,
      },
      {
        name: 'signed years in the future',
        body,
        header: sign(body, SECRET, nowSeconds() + 3 * 365 * 24 * 3600),
        message: /in the future/,
      },
      {
        name: 'changed by one byte after signing',
        body: body.replace('"amount":500', '"amount":501'),
        header: sign(body),
        message: /does not match the body/,
      },
      {
        name: 'without a Stripe-Signature header',
        body,
        header: undefined,
        message: /Missing Stripe-Signature header/,
      },
      {
        name: 'with an empty Stripe-Signature header',
        body,
        header: '',
        message: /Missing Stripe-Signature header/,
      },
      {
        name: 'with a header that is not Stripe’s format',
        body,
        header: 'sha256=deadbeef',
        message: /Stripe-Signature header is malformed/,
      },
      {
        name: 'whose correctly signed body is not JSON',
        body: '{"id": "evt_1", "type": ',
        header: sign('{"id": "evt_1", "type": '),
        message: /not valid JSON/,
      },
      {
        name: 'whose correctly signed body is JSON but not an event',
        body: '{"hello": "world"}',
        header: sign('{"hello": "world"}'),
        message: /Malformed Stripe event: Stripe event has no id/,
        unreadable: true,
      },
      {
        name: 'whose event object lacks a field we need',
        body: incomplete,
        header: sign(incomplete),
        message: /Malformed Stripe event: Stripe refund has no numeric amount/,
        unreadable: true,
      },
    ];

    it.each(cases)('$name', ({ body: sent, header, message, unreadable }) => {
      let thrown: unknown;
      try {
        deliver(sent, header);
      } catch (error) {
        thrown = error;
      }
      if (unreadable) {
        // Verified but unreadable: the inbox stores it failed with this reason (DESIGN §6.1).
        expect(thrown).toBeInstanceOf(UnreadableWebhookError);
        expect((thrown as UnreadableWebhookError).message).toMatch(message);
        expect((thrown as UnreadableWebhookError).payload).toEqual(JSON.parse(sent));
        return;
      }
      expect(thrown).toBeInstanceOf(WebhookVerificationError);
      expect((thrown as WebhookVerificationError).message).toMatch(message);
      expect((thrown as WebhookVerificationError).code).toBe('validation_failed');
    });

    it('refuses a body whose byte changed even when the JSON stays valid and equal in meaning', () => {
      const spaced = body.replace('"object":"event"', '"object": "event"');
      expect(spaced).not.toBe(body);
      expect(() => deliver(spaced, sign(body))).toThrow(WebhookVerificationError);
    });
  });

  describe('secret rotation', () => {
    it('accepts a delivery signed with the second configured secret', () => {
      const event = stripeEvent('refund.updated', stripeObject('refund'));
      const body = JSON.stringify(event);

      const parsed = deliver(body, sign(body, NEXT_SECRET));

      expect(parsed.id).toBe(event.id);
      expect(parsed.change).toMatchObject({ kind: 'refund.changed', action: 'updated' });
    });

    it('reports a stale timestamp even when only the second secret matches', () => {
      const body = JSON.stringify(stripeEvent('refund.updated', stripeObject('refund')));
      const header = sign(body, NEXT_SECRET, Math.floor(Date.now() / 1000) - 3600);

      expect(() => deliver(body, header)).toThrow(/older than the 300-second tolerance/);
    });

    it('accepts a header carrying signatures for both secrets, as Stripe sends during rotation', () => {
      const body = JSON.stringify(stripeEvent('refund.updated', stripeObject('refund')));
      const timestamp = Math.floor(Date.now() / 1000);
      const old = sign(body, 'whsec_retired', timestamp);
      const current = sign(body, NEXT_SECRET, timestamp).split(',')[1];

      expect(deliver(body, `${old},${current}`).type).toBe('refund.updated');
    });
  });

  it('verifies deliveries built with the shared test helper (used by the e2e suites)', () => {
    const event = stripeEvent('charge.dispute.created', stripeObject('dispute'));
    const delivery = signedStripeDelivery(event, SECRET);

    const parsed = provider.parseWebhook(Buffer.from(delivery.body), delivery.headers);

    expect(parsed.change).toMatchObject({ kind: 'dispute.changed', action: 'created' });
  });
});
