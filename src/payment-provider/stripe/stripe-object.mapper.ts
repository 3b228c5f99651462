/**
 * Pure functions from Stripe objects (as JSON) to our provider-neutral snapshots.
 *
 * They read plain JSON rather than the SDK's types on purpose: webhook payloads arrive in the
 * endpoint's API version, which may be older than the one stripe@23 pins, so fields the typings
 * no longer know (invoice.subscription, subscription.current_period_end, …) must still be read.
 * Expandable fields may be an id or the expanded object; both are accepted.
 */
import {
  type ChargeSnapshot,
  type CheckoutMode,
  type CheckoutSessionSnapshot,
  type DisputeSnapshot,
  type FraudWarningSnapshot,
  type InvoiceSnapshot,
  type Metadata,
  type PaymentSnapshot,
  type PaymentStatus,
  type RawObject,
  type RefundSnapshot,
  type RefundStatus,
  type SubscriptionSnapshot,
  SUBSCRIPTION_STATUSES,
} from '../payment-provider.types';

/** A Stripe object lacks a field we cannot do without, or holds a value we do not know. */
export class StripePayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StripePayloadError';
  }
}

type Json = RawObject;

export function isJsonObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(source: Json | null, key: string): string | null {
  const value = source?.[key];
  return typeof value === 'string' ? value : null;
}

function num(source: Json | null, key: string): number | null {
  const value = source?.[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function child(source: Json | null, key: string): Json | null {
  const value = source?.[key];
  return isJsonObject(value) ? value : null;
}

/** The items of an ApiList field (`{object: 'list', data: [...]}`); [] when absent or not expanded. */
function listItems(source: Json | null, key: string): Json[] {
  const data = child(source, key)?.data;
  return Array.isArray(data) ? data.filter(isJsonObject) : [];
}

/** An expandable field: `"pi_123"` or `{id: "pi_123", …}`. */
function idOf(source: Json | null, key: string): string | null {
  const value = source?.[key];
  if (typeof value === 'string') return value;
  return isJsonObject(value) ? str(value, 'id') : null;
}

/** Unix seconds → Date; null, absent and 0 mean "no time". */
function time(source: Json | null, key: string): Date | null {
  const seconds = num(source, key);
  return seconds ? new Date(seconds * 1000) : null;
}

function metadataOf(source: Json | null): Metadata {
  const raw = child(source, 'metadata');
  const metadata: Metadata = {};
  if (!raw) return metadata;
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') metadata[key] = value;
  }
  return metadata;
}

function requireStr(source: Json, key: string, what: string): string {
  const value = str(source, key);
  if (value === null) throw new StripePayloadError(`Stripe ${what} has no ${key}`);
  return value;
}

function requireNum(source: Json, key: string, what: string): number {
  const value = num(source, key);
  if (value === null) throw new StripePayloadError(`Stripe ${what} has no numeric ${key}`);
  return value;
}

/** The object's own `object` tag must match when present (it is absent in hand-built payloads). */
export function expectKind(source: Json, kind: string): void {
  const actual = str(source, 'object');
  if (actual !== null && actual !== kind) {
    throw new StripePayloadError(`Expected a Stripe ${kind} but got ${actual}`);
  }
}

/** Stripe also has `setup` mode; this service only creates payment and subscription sessions. */
export function checkoutModeOf(session: Json): CheckoutMode | null {
  const mode = str(session, 'mode');
  return mode === 'payment' || mode === 'subscription' ? mode : null;
}

const CHECKOUT_STATUSES: readonly CheckoutSessionSnapshot['status'][] = [
  'open',
  'complete',
  'expired',
];

export function toCheckoutSessionSnapshot(
  session: Json,
  statusHint?: CheckoutSessionSnapshot['status'],
): CheckoutSessionSnapshot {
  expectKind(session, 'checkout.session');
  const id = requireStr(session, 'id', 'checkout.session');
  const mode = checkoutModeOf(session);
  if (mode === null) {
    throw new StripePayloadError(
      `Stripe checkout.session ${id} has unsupported mode ${JSON.stringify(session.mode) ?? 'none'}`,
    );
  }
  const rawStatus = str(session, 'status');
  const known = CHECKOUT_STATUSES.find((status) => status === rawStatus);
  return {
    id,
    mode,
    // status is nullable in the API; the event type tells us what it must be.
    status: known ?? statusHint ?? 'open',
    paymentStatus: str(session, 'payment_status'),
    url: str(session, 'url'),
    expiresAt: time(session, 'expires_at'),
    amountTotal: num(session, 'amount_total'),
    currency: str(session, 'currency'),
    paymentIntentId: idOf(session, 'payment_intent'),
    subscriptionId: idOf(session, 'subscription'),
    customerId: idOf(session, 'customer'),
    // The buyer's email is in customer_details once they typed it; customer_email is only the prefill.
    customerEmail:
      str(child(session, 'customer_details'), 'email') ?? str(session, 'customer_email'),
    clientReferenceId: str(session, 'client_reference_id'),
    metadata: metadataOf(session),
  };
}

function paymentStatusOf(status: string | null): PaymentStatus {
  if (status === 'succeeded') return 'succeeded';
  if (status === 'canceled') return 'canceled';
  // requires_payment_method / requires_action / processing / …: not final yet. A failed attempt
  // is only "failed" when Stripe says so with payment_intent.payment_failed.
  return 'pending';
}

export function toPaymentSnapshot(paymentIntent: Json, failed = false): PaymentSnapshot {
  expectKind(paymentIntent, 'payment_intent');
  const legacyCharges = listItems(paymentIntent, 'charges');
  return {
    id: requireStr(paymentIntent, 'id', 'payment_intent'),
    status: failed ? 'failed' : paymentStatusOf(str(paymentIntent, 'status')),
    amount: requireNum(paymentIntent, 'amount', 'payment_intent'),
    currency: requireStr(paymentIntent, 'currency', 'payment_intent'),
    // Before 2022-11-15 the charge was only listed in `charges`; the newest comes first.
    chargeId:
      idOf(paymentIntent, 'latest_charge') ??
      (legacyCharges.length > 0 ? str(legacyCharges[0], 'id') : null),
    customerId: idOf(paymentIntent, 'customer'),
    invoiceId: idOf(paymentIntent, 'invoice'),
    description: str(paymentIntent, 'description'),
    failureMessage: str(child(paymentIntent, 'last_payment_error'), 'message'),
    metadata: metadataOf(paymentIntent),
  };
}

/** Invoice payments, the paid one first, then the default one (API 2025-03-31.basil and later). */
function invoicePayments(invoice: Json): Json[] {
  const rank = (entry: Json): number =>
    (str(entry, 'status') === 'paid' ? 0 : 2) + (entry.is_default === true ? 0 : 1);
  return listItems(invoice, 'payments')
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => rank(a.entry) - rank(b.entry) || a.index - b.index)
    .map(({ entry }) => child(entry, 'payment'))
    .filter((payment): payment is Json => payment !== null);
}

export function toInvoiceSnapshot(invoice: Json, paid: boolean): InvoiceSnapshot {
  expectKind(invoice, 'invoice');
  const payments = invoicePayments(invoice);
  const firstOf = (key: string): string | null => {
    for (const payment of payments) {
      const id = idOf(payment, key);
      if (id) return id;
    }
    return null;
  };
  // An expanded payment intent (new or old place) carries the decline message.
  const expandedIntent =
    payments.map((payment) => child(payment, 'payment_intent')).find((pi) => pi !== null) ??
    child(invoice, 'payment_intent');
  return {
    id: requireStr(invoice, 'id', 'invoice'),
    subscriptionId:
      idOf(child(child(invoice, 'parent'), 'subscription_details'), 'subscription') ??
      idOf(invoice, 'subscription'),
    customerId: idOf(invoice, 'customer'),
    paymentIntentId: firstOf('payment_intent') ?? idOf(invoice, 'payment_intent'),
    chargeId: firstOf('charge') ?? idOf(invoice, 'charge') ?? idOf(expandedIntent, 'latest_charge'),
    amount: paid
      ? requireNum(invoice, 'amount_paid', 'invoice')
      : requireNum(invoice, 'amount_due', 'invoice'),
    currency: requireStr(invoice, 'currency', 'invoice'),
    status: str(invoice, 'status'),
    billingReason: str(invoice, 'billing_reason'),
    failureMessage: paid
      ? null
      : (str(child(expandedIntent, 'last_payment_error'), 'message') ??
        str(child(invoice, 'last_finalization_error'), 'message')),
  };
}

export function toSubscriptionSnapshot(subscription: Json): SubscriptionSnapshot {
  expectKind(subscription, 'subscription');
  const id = requireStr(subscription, 'id', 'subscription');
  const rawStatus = str(subscription, 'status');
  const status = SUBSCRIPTION_STATUSES.find((known) => known === rawStatus);
  if (!status) {
    // Refuse rather than guess: a wrong status could grant or revoke access.
    throw new StripePayloadError(
      `Stripe subscription ${id} has unknown status ${String(rawStatus)}`,
    );
  }
  // Checkout creates one-item subscriptions; the first item is the plan.
  const item = listItems(subscription, 'items')[0] ?? null;
  const price = child(item, 'price');
  return {
    id,
    customerId: idOf(subscription, 'customer'),
    status,
    priceId: idOf(item, 'price') ?? idOf(item, 'plan') ?? idOf(subscription, 'plan'),
    planName: str(price, 'nickname') ?? str(child(price, 'product'), 'name'),
    quantity: num(item, 'quantity') ?? num(subscription, 'quantity') ?? 1,
    // API 2025-03-31.basil moved the period onto each item; older payloads have it on the subscription.
    currentPeriodStart:
      time(item, 'current_period_start') ?? time(subscription, 'current_period_start'),
    currentPeriodEnd: time(item, 'current_period_end') ?? time(subscription, 'current_period_end'),
    cancelAtPeriodEnd: subscription.cancel_at_period_end === true,
    cancelAt: time(subscription, 'cancel_at'),
    canceledAt: time(subscription, 'canceled_at'),
    endedAt: time(subscription, 'ended_at'),
    trialEnd: time(subscription, 'trial_end'),
    metadata: metadataOf(subscription),
  };
}

function refundStatusOf(status: string | null): RefundStatus {
  if (status === 'succeeded' || status === 'failed' || status === 'canceled') return status;
  // pending, requires_action, null or a status newer than this code: not final yet.
  return 'pending';
}

export function toRefundSnapshot(refund: Json, failed = false): RefundSnapshot {
  expectKind(refund, 'refund');
  return {
    id: requireStr(refund, 'id', 'refund'),
    paymentIntentId: idOf(refund, 'payment_intent'),
    chargeId: idOf(refund, 'charge'),
    amount: requireNum(refund, 'amount', 'refund'),
    currency: requireStr(refund, 'currency', 'refund'),
    status: failed ? 'failed' : refundStatusOf(str(refund, 'status')),
    reason: str(refund, 'reason'),
    failureReason: str(refund, 'failure_reason'),
    metadata: metadataOf(refund),
  };
}

export function toChargeSnapshot(charge: Json): ChargeSnapshot {
  expectKind(charge, 'charge');
  return {
    id: requireStr(charge, 'id', 'charge'),
    paymentIntentId: idOf(charge, 'payment_intent'),
    amount: requireNum(charge, 'amount', 'charge'),
    amountRefunded: num(charge, 'amount_refunded') ?? 0,
    currency: requireStr(charge, 'currency', 'charge'),
    // Since 2022-11-15 the list is only present when expanded; refunds then arrive as refund.* events.
    refunds: listItems(charge, 'refunds').map((refund) => toRefundSnapshot(refund)),
  };
}

export function toDisputeSnapshot(dispute: Json): DisputeSnapshot {
  expectKind(dispute, 'dispute');
  const dueBy = num(child(dispute, 'evidence_details'), 'due_by');
  return {
    id: requireStr(dispute, 'id', 'dispute'),
    chargeId: idOf(dispute, 'charge'),
    paymentIntentId: idOf(dispute, 'payment_intent'),
    status: requireStr(dispute, 'status', 'dispute'),
    reason: str(dispute, 'reason'),
    amount: requireNum(dispute, 'amount', 'dispute'),
    currency: requireStr(dispute, 'currency', 'dispute'),
    // null or 0: Stripe gives no deadline (e.g. an inquiry or a closed dispute).
    evidenceDueBy: dueBy && dueBy > 0 ? new Date(dueBy * 1000) : null,
  };
}

export function toFraudWarningSnapshot(warning: Json): FraudWarningSnapshot {
  expectKind(warning, 'radar.early_fraud_warning');
  return {
    id: requireStr(warning, 'id', 'radar.early_fraud_warning'),
    chargeId: idOf(warning, 'charge'),
    paymentIntentId: idOf(warning, 'payment_intent'),
    fraudType: str(warning, 'fraud_type'),
    actionable: warning.actionable === true,
  };
}
