import { WebhookVerificationError } from '../payment-provider.errors';
import type { RawObject } from '../payment-provider.types';
import { interpretSandboxEvent, toProviderChange } from './sandbox-event.mapper';
import type {
  SandboxCharge,
  SandboxCheckoutSession,
  SandboxDispute,
  SandboxEarlyFraudWarning,
  SandboxInvoice,
  SandboxPaymentIntent,
  SandboxRefund,
  SandboxSubscription,
} from './sandbox-objects.types';

const T = 1_800_000_000;
const date = (unix: number) => new Date(unix * 1000);
const price = {
  id: 'price_sandbox_monthly',
  amount: 900,
  currency: 'usd',
  name: 'Pro Monthly',
  interval: 'month' as const,
};

const session: SandboxCheckoutSession = {
  id: 'cs_sbx_1',
  object: 'checkout.session',
  created: T,
  mode: 'payment',
  status: 'complete',
  payment_status: 'paid',
  url: 'http://localhost:8000/sandbox/checkout/cs_sbx_1',
  expires_at: T + 86400,
  success_url: 'http://localhost:8000/payment/success?session_id={CHECKOUT_SESSION_ID}',
  cancel_url: 'http://localhost:8000/payment/cancel',
  price: {
    ...price,
    id: 'price_sandbox_onetime',
    amount: 2900,
    name: 'Premium eBook',
    interval: null,
  },
  quantity: 2,
  amount_total: 5800,
  currency: 'usd',
  customer: 'cus_sbx_1',
  customer_email: 'a@example.com',
  client_reference_id: 'user-42',
  payment_intent: 'pi_sbx_1',
  subscription: null,
  invoice: null,
  metadata: { order: '7' },
};

const paymentIntent: SandboxPaymentIntent = {
  id: 'pi_sbx_1',
  object: 'payment_intent',
  created: T,
  amount: 5800,
  currency: 'usd',
  status: 'succeeded',
  customer: 'cus_sbx_1',
  description: 'Premium eBook',
  invoice: null,
  latest_charge: 'ch_sbx_1',
  last_payment_error: null,
  metadata: { order: '7' },
};

const declined: SandboxPaymentIntent = {
  ...paymentIntent,
  status: 'requires_payment_method',
  latest_charge: 'ch_sbx_0',
  last_payment_error: {
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
};

const refund: SandboxRefund = {
  id: 're_sbx_1',
  object: 'refund',
  created: T + 60,
  amount: 1000,
  currency: 'usd',
  status: 'succeeded',
  reason: 'requested_by_customer',
  charge: 'ch_sbx_1',
  payment_intent: 'pi_sbx_1',
  failure_reason: null,
  metadata: { refund_id: '3' },
};

const charge: SandboxCharge = {
  id: 'ch_sbx_1',
  object: 'charge',
  created: T,
  amount: 5800,
  amount_refunded: 1000,
  currency: 'usd',
  status: 'succeeded',
  paid: true,
  refunded: false,
  disputed: false,
  payment_intent: 'pi_sbx_1',
  customer: 'cus_sbx_1',
  invoice: null,
  description: 'Premium eBook',
  failure_code: null,
  failure_message: null,
  refunds: [refund],
  metadata: {},
};

const subscription: SandboxSubscription = {
  id: 'sub_sbx_1',
  object: 'subscription',
  created: T,
  customer: 'cus_sbx_1',
  status: 'active',
  price,
  quantity: 1,
  billing_cycle_anchor: T,
  current_period_start: T,
  current_period_end: T + 30 * 86400,
  cancel_at_period_end: true,
  cancel_at: T + 30 * 86400,
  canceled_at: T + 100,
  ended_at: null,
  trial_end: null,
  latest_invoice: 'in_sbx_1',
  metadata: { plan: 'pro' },
};

const invoice: SandboxInvoice = {
  id: 'in_sbx_1',
  object: 'invoice',
  created: T,
  customer: 'cus_sbx_1',
  subscription: 'sub_sbx_1',
  payment_intent: 'pi_sbx_2',
  charge: 'ch_sbx_2',
  amount_due: 900,
  amount_paid: 900,
  currency: 'usd',
  status: 'paid',
  billing_reason: 'subscription_create',
  period_start: T,
  period_end: T + 30 * 86400,
};

const dispute: SandboxDispute = {
  id: 'dp_sbx_1',
  object: 'dispute',
  created: T,
  amount: 5800,
  currency: 'usd',
  charge: 'ch_sbx_1',
  payment_intent: 'pi_sbx_1',
  status: 'needs_response',
  reason: 'fraudulent',
  evidence_details: {
    due_by: T + 7 * 86400,
    has_evidence: false,
    past_due: false,
    submission_count: 0,
  },
  is_charge_refundable: false,
};

const warning: SandboxEarlyFraudWarning = {
  id: 'issfr_sbx_1',
  object: 'radar.early_fraud_warning',
  created: T,
  actionable: true,
  charge: 'ch_sbx_1',
  payment_intent: 'pi_sbx_1',
  fraud_type: 'made_with_stolen_card',
};

const raw = (object: object): RawObject => object as RawObject;
const envelope = (type: string, object: object, created = T) => ({
  id: 'evt_sbx_1',
  object: 'event',
  type,
  created,
  data: { object },
});

const sessionSnapshot = {
  id: 'cs_sbx_1',
  mode: 'payment',
  status: 'complete',
  paymentStatus: 'paid',
  url: 'http://localhost:8000/sandbox/checkout/cs_sbx_1',
  expiresAt: date(T + 86400),
  amountTotal: 5800,
  currency: 'usd',
  paymentIntentId: 'pi_sbx_1',
  subscriptionId: null,
  customerId: 'cus_sbx_1',
  customerEmail: 'a@example.com',
  clientReferenceId: 'user-42',
  metadata: { order: '7' },
};

const paymentSnapshot = {
  id: 'pi_sbx_1',
  status: 'succeeded',
  amount: 5800,
  currency: 'usd',
  chargeId: 'ch_sbx_1',
  customerId: 'cus_sbx_1',
  invoiceId: null,
  description: 'Premium eBook',
  failureMessage: null,
  metadata: { order: '7' },
};

const refundSnapshot = {
  id: 're_sbx_1',
  paymentIntentId: 'pi_sbx_1',
  chargeId: 'ch_sbx_1',
  amount: 1000,
  currency: 'usd',
  status: 'succeeded',
  reason: 'requested_by_customer',
  failureReason: null,
  metadata: { refund_id: '3' },
};

const subscriptionSnapshot = {
  id: 'sub_sbx_1',
  customerId: 'cus_sbx_1',
  status: 'active',
  priceId: 'price_sandbox_monthly',
  planName: 'Pro Monthly',
  quantity: 1,
  currentPeriodStart: date(T),
  currentPeriodEnd: date(T + 30 * 86400),
  cancelAtPeriodEnd: true,
  cancelAt: date(T + 30 * 86400),
  canceledAt: date(T + 100),
  endedAt: null,
  trialEnd: null,
  metadata: { plan: 'pro' },
};

const invoiceSnapshot = {
  id: 'in_sbx_1',
  subscriptionId: 'sub_sbx_1',
  customerId: 'cus_sbx_1',
  paymentIntentId: 'pi_sbx_2',
  chargeId: 'ch_sbx_2',
  amount: 900,
  currency: 'usd',
  status: 'paid',
  billingReason: 'subscription_create',
  failureMessage: null,
};

const disputeSnapshot = {
  id: 'dp_sbx_1',
  chargeId: 'ch_sbx_1',
  paymentIntentId: 'pi_sbx_1',
  status: 'needs_response',
  reason: 'fraudulent',
  amount: 5800,
  currency: 'usd',
  evidenceDueBy: date(T + 7 * 86400),
};

const warningSnapshot = {
  id: 'issfr_sbx_1',
  chargeId: 'ch_sbx_1',
  paymentIntentId: 'pi_sbx_1',
  fraudType: 'made_with_stolen_card',
  actionable: true,
};

describe('sandbox event mapping', () => {
  it.each<[string, object, Record<string, unknown>]>([
    [
      'checkout.session.completed',
      session,
      { kind: 'checkout.completed', session: sessionSnapshot },
    ],
    [
      'checkout.session.expired',
      { ...session, status: 'expired', payment_status: 'unpaid', payment_intent: null },
      {
        kind: 'checkout.expired',
        session: {
          ...sessionSnapshot,
          status: 'expired',
          paymentStatus: 'unpaid',
          paymentIntentId: null,
        },
      },
    ],
    [
      'checkout.session.async_payment_succeeded',
      session,
      { kind: 'checkout.async_payment_succeeded', session: sessionSnapshot },
    ],
    [
      'checkout.session.async_payment_failed',
      session,
      { kind: 'checkout.async_payment_failed', session: sessionSnapshot },
    ],
    [
      'payment_intent.succeeded',
      paymentIntent,
      { kind: 'payment.succeeded', payment: paymentSnapshot },
    ],
    [
      'payment_intent.payment_failed',
      declined,
      {
        kind: 'payment.failed',
        payment: {
          ...paymentSnapshot,
          status: 'failed',
          chargeId: 'ch_sbx_0',
          failureMessage: 'Your card was declined.',
        },
      },
    ],
    ['invoice.paid', invoice, { kind: 'invoice.paid', invoice: invoiceSnapshot }],
    [
      'invoice.payment_failed',
      { ...invoice, status: 'open', amount_paid: 0 },
      {
        kind: 'invoice.payment_failed',
        invoice: { ...invoiceSnapshot, status: 'open', amount: 900 },
      },
    ],
    [
      'customer.subscription.created',
      subscription,
      { kind: 'subscription.changed', action: 'created', subscription: subscriptionSnapshot },
    ],
    [
      'customer.subscription.updated',
      subscription,
      { kind: 'subscription.changed', action: 'updated', subscription: subscriptionSnapshot },
    ],
    [
      'customer.subscription.deleted',
      { ...subscription, status: 'canceled', ended_at: T + 30 * 86400 },
      {
        kind: 'subscription.deleted',
        subscription: {
          ...subscriptionSnapshot,
          status: 'canceled',
          endedAt: date(T + 30 * 86400),
        },
      },
    ],
    [
      'charge.refunded',
      charge,
      {
        kind: 'charge.refunded',
        charge: {
          id: 'ch_sbx_1',
          paymentIntentId: 'pi_sbx_1',
          amount: 5800,
          amountRefunded: 1000,
          currency: 'usd',
          refunds: [refundSnapshot],
        },
      },
    ],
    [
      'refund.created',
      refund,
      { kind: 'refund.changed', action: 'created', refund: refundSnapshot },
    ],
    [
      'refund.updated',
      refund,
      { kind: 'refund.changed', action: 'updated', refund: refundSnapshot },
    ],
    [
      'refund.failed',
      { ...refund, status: 'failed', failure_reason: 'expired_or_canceled_card' },
      {
        kind: 'refund.changed',
        action: 'failed',
        refund: { ...refundSnapshot, status: 'failed', failureReason: 'expired_or_canceled_card' },
      },
    ],
    [
      'charge.dispute.created',
      dispute,
      { kind: 'dispute.changed', action: 'created', dispute: disputeSnapshot },
    ],
    [
      'charge.dispute.updated',
      { ...dispute, status: 'under_review' },
      {
        kind: 'dispute.changed',
        action: 'updated',
        dispute: { ...disputeSnapshot, status: 'under_review' },
      },
    ],
    [
      'charge.dispute.closed',
      {
        ...dispute,
        status: 'won',
        evidence_details: { ...dispute.evidence_details, due_by: null },
      },
      {
        kind: 'dispute.changed',
        action: 'closed',
        dispute: { ...disputeSnapshot, status: 'won', evidenceDueBy: null },
      },
    ],
    [
      'radar.early_fraud_warning.created',
      warning,
      { kind: 'fraud_warning.changed', action: 'created', warning: warningSnapshot },
    ],
    [
      'radar.early_fraud_warning.updated',
      { ...warning, actionable: false },
      {
        kind: 'fraud_warning.changed',
        action: 'updated',
        warning: { ...warningSnapshot, actionable: false },
      },
    ],
  ])('maps %s', (type, object, expected) => {
    const event = interpretSandboxEvent(envelope(type, object));
    expect(event.id).toBe('evt_sbx_1');
    expect(event.type).toBe(type);
    expect(event.occurredAt).toEqual(date(T));
    expect(event.change).toEqual({ ...expected, raw: object });
    expect(event.change?.raw).toBe((event.payload.data as { object: object }).object);
  });

  it('treats a deadline of 0 as no deadline', () => {
    const change = toProviderChange(
      'charge.dispute.created',
      raw({ ...dispute, evidence_details: { ...dispute.evidence_details, due_by: 0 } }),
    );
    expect(change).toMatchObject({ kind: 'dispute.changed', dispute: { evidenceDueBy: null } });
  });

  it('reads a declined intent without an error message as failed all the same', () => {
    const change = toProviderChange(
      'payment_intent.payment_failed',
      raw({ ...declined, last_payment_error: null }),
    );
    expect(change).toMatchObject({
      kind: 'payment.failed',
      payment: { status: 'failed', failureMessage: null },
    });
  });

  it.each(['customer.created', 'payment_intent.created', 'invoice.finalized', 'charge.succeeded'])(
    'answers "not relevant" (null) for %s',
    (type) => {
      const event = interpretSandboxEvent(envelope(type, { id: 'x' }));
      expect(event.change).toBeNull();
      expect(event.type).toBe(type);
    },
  );

  it.each([
    ['a non-object', 'nope', /not a JSON object/],
    ['an array', [], /not a JSON object/],
    [
      'a different object',
      { ...envelope('invoice.paid', invoice), object: 'list' },
      /event\.object must be "event"/,
    ],
    [
      'no id',
      { ...envelope('invoice.paid', invoice), id: '' },
      /event\.id must be a non-empty string/,
    ],
    ['no type', { ...envelope('invoice.paid', invoice), type: 5 }, /event\.type/],
    [
      'a fractional created',
      { ...envelope('invoice.paid', invoice), created: 1.5 },
      /event\.created must be an integer/,
    ],
    [
      'no data.object',
      { ...envelope('invoice.paid', invoice), data: {} },
      /event\.data\.object must be an object/,
    ],
    [
      'an amount as text',
      envelope('payment_intent.succeeded', { ...paymentIntent, amount: '5800' }),
      /payment_intent\.amount must be an integer/,
    ],
    [
      'an unknown status',
      envelope('customer.subscription.updated', { ...subscription, status: 'zombie' }),
      /subscription\.status must be one of/,
    ],
    [
      'metadata that is not strings',
      envelope('checkout.session.completed', { ...session, metadata: { n: 1 } }),
      /metadata must be an object of strings/,
    ],
    [
      'a refund in the list without an id',
      envelope('charge.refunded', { ...charge, refunds: [{ ...refund, id: null }] }),
      /refund\.id|refunds\[0\]\.id/,
    ],
    [
      'a refund reason Stripe would not send',
      envelope('refund.created', { ...refund, reason: 'because' }),
      /refund\.reason must be one of/,
    ],
  ])('refuses %s with WebhookVerificationError', (_case, payload, message) => {
    expect(() => interpretSandboxEvent(payload)).toThrow(WebhookVerificationError);
    expect(() => interpretSandboxEvent(payload)).toThrow(message);
  });
});
