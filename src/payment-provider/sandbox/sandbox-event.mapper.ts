import { WebhookVerificationError } from '../payment-provider.errors';
import {
  PROVIDER_REFUND_REASONS,
  type ChargeSnapshot,
  type CheckoutSessionSnapshot,
  type CustomerSnapshot,
  type DisputeSnapshot,
  type FraudWarningSnapshot,
  type InvoiceSnapshot,
  type Metadata,
  type PaymentSnapshot,
  type PaymentStatus,
  type ProviderChange,
  type ProviderEvent,
  type RawObject,
  type RefundSnapshot,
  type RefundStatus,
  type SubscriptionSnapshot,
  SUBSCRIPTION_STATUSES,
} from '../payment-provider.types';

/*
 * Pure mapping from the sandbox's objects (sandbox-objects.types.ts) to the
 * provider-neutral snapshots. Webhook payloads are read field by field: a body
 * that passed the signature check but is not a sandbox event of the expected
 * shape is refused (WebhookVerificationError → 400, nothing stored).
 */

/** Reads typed fields of one object, naming the path of the first bad one. */
class Fields {
  constructor(
    readonly object: RawObject,
    private readonly path: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new WebhookVerificationError(
      `Malformed sandbox event: ${this.path}.${key} must be ${expected}`,
    );
  }

  string(key: string): string {
    const value = this.object[key];
    return typeof value === 'string' && value !== '' ? value : this.fail(key, 'a non-empty string');
  }

  stringOrNull(key: string): string | null {
    const value = this.object[key];
    if (value === null || value === undefined) return null;
    return typeof value === 'string' ? value : this.fail(key, 'a string or null');
  }

  integer(key: string): number {
    const value = this.object[key];
    return typeof value === 'number' && Number.isSafeInteger(value)
      ? value
      : this.fail(key, 'an integer');
  }

  /** Unix seconds → Date; null, undefined and 0 mean "none" (as Stripe's due_by). */
  timeOrNull(key: string): Date | null {
    const value = this.object[key];
    if (value === null || value === undefined || value === 0) return null;
    return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
      ? new Date(value * 1000)
      : this.fail(key, 'unix seconds or null');
  }

  boolean(key: string): boolean {
    const value = this.object[key];
    return typeof value === 'boolean' ? value : this.fail(key, 'a boolean');
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.object[key];
    return allowed.includes(value as T)
      ? (value as T)
      : this.fail(key, `one of ${allowed.join(', ')}`);
  }

  nested(key: string): Fields {
    const value = this.object[key];
    return isObject(value) ? new Fields(value, `${this.path}.${key}`) : this.fail(key, 'an object');
  }

  nestedOrNull(key: string): Fields | null {
    const value = this.object[key];
    if (value === null || value === undefined) return null;
    return isObject(value)
      ? new Fields(value, `${this.path}.${key}`)
      : this.fail(key, 'an object or null');
  }

  list(key: string): Fields[] {
    const value = this.object[key];
    if (!Array.isArray(value)) return this.fail(key, 'an array');
    return value.map((item: unknown, index) =>
      isObject(item)
        ? new Fields(item, `${this.path}.${key}[${index}]`)
        : this.fail(`${key}[${index}]`, 'an object'),
    );
  }

  metadata(): Metadata {
    const value = this.object.metadata;
    if (value === undefined || value === null) return {};
    if (!isObject(value) || !Object.values(value).every((item) => typeof item === 'string')) {
      return this.fail('metadata', 'an object of strings');
    }
    return { ...(value as Metadata) };
  }
}

function isObject(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toCheckoutSessionSnapshot(object: RawObject): CheckoutSessionSnapshot {
  const f = new Fields(object, 'checkout.session');
  return {
    id: f.string('id'),
    mode: f.oneOf('mode', ['payment', 'subscription'] as const),
    status: f.oneOf('status', ['open', 'complete', 'expired'] as const),
    paymentStatus: f.stringOrNull('payment_status'),
    url: f.stringOrNull('url'),
    expiresAt: f.timeOrNull('expires_at'),
    amountTotal: f.integer('amount_total'),
    currency: f.string('currency'),
    paymentIntentId: f.stringOrNull('payment_intent'),
    subscriptionId: f.stringOrNull('subscription'),
    customerId: f.stringOrNull('customer'),
    customerEmail: f.stringOrNull('customer_email'),
    clientReferenceId: f.stringOrNull('client_reference_id'),
    metadata: f.metadata(),
  };
}

const PAYMENT_INTENT_STATUSES = ['requires_payment_method', 'succeeded', 'canceled'] as const;

export function toPaymentSnapshot(object: RawObject): PaymentSnapshot {
  const f = new Fields(object, 'payment_intent');
  const sandboxStatus = f.oneOf('status', PAYMENT_INTENT_STATUSES);
  const error = f.nestedOrNull('last_payment_error');
  // As on Stripe, a declined attempt leaves the intent waiting for another method.
  const status: PaymentStatus =
    sandboxStatus === 'succeeded'
      ? 'succeeded'
      : sandboxStatus === 'canceled'
        ? 'canceled'
        : error
          ? 'failed'
          : 'pending';
  return {
    id: f.string('id'),
    status,
    amount: f.integer('amount'),
    currency: f.string('currency'),
    chargeId: f.stringOrNull('latest_charge'),
    customerId: f.stringOrNull('customer'),
    invoiceId: f.stringOrNull('invoice'),
    description: f.stringOrNull('description'),
    failureMessage: error ? error.stringOrNull('message') : null,
    metadata: f.metadata(),
  };
}

export function toInvoiceSnapshot(object: RawObject): InvoiceSnapshot {
  const f = new Fields(object, 'invoice');
  const status = f.stringOrNull('status');
  return {
    id: f.string('id'),
    subscriptionId: f.stringOrNull('subscription'),
    customerId: f.stringOrNull('customer'),
    paymentIntentId: f.stringOrNull('payment_intent'),
    chargeId: f.stringOrNull('charge'),
    amount: status === 'paid' ? f.integer('amount_paid') : f.integer('amount_due'),
    currency: f.string('currency'),
    status,
    billingReason: f.stringOrNull('billing_reason'),
    failureMessage: null,
  };
}

export function toSubscriptionSnapshot(object: RawObject): SubscriptionSnapshot {
  const f = new Fields(object, 'subscription');
  const price = f.nested('price');
  return {
    id: f.string('id'),
    customerId: f.stringOrNull('customer'),
    status: f.oneOf('status', SUBSCRIPTION_STATUSES),
    priceId: price.string('id'),
    planName: price.stringOrNull('name'),
    quantity: f.integer('quantity'),
    currentPeriodStart: f.timeOrNull('current_period_start'),
    currentPeriodEnd: f.timeOrNull('current_period_end'),
    cancelAtPeriodEnd: f.boolean('cancel_at_period_end'),
    cancelAt: f.timeOrNull('cancel_at'),
    canceledAt: f.timeOrNull('canceled_at'),
    endedAt: f.timeOrNull('ended_at'),
    trialEnd: f.timeOrNull('trial_end'),
    metadata: f.metadata(),
  };
}

const REFUND_STATUSES: readonly RefundStatus[] = ['pending', 'succeeded', 'failed', 'canceled'];

function refundFrom(f: Fields): RefundSnapshot {
  const reason = f.stringOrNull('reason');
  if (reason !== null && !(PROVIDER_REFUND_REASONS as readonly string[]).includes(reason)) {
    throw new WebhookVerificationError(
      `Malformed sandbox event: refund.reason must be one of ${PROVIDER_REFUND_REASONS.join(', ')} or null`,
    );
  }
  return {
    id: f.string('id'),
    paymentIntentId: f.stringOrNull('payment_intent'),
    chargeId: f.stringOrNull('charge'),
    amount: f.integer('amount'),
    currency: f.string('currency'),
    status: f.oneOf('status', REFUND_STATUSES),
    reason,
    failureReason: f.stringOrNull('failure_reason'),
    metadata: f.metadata(),
  };
}

export function toRefundSnapshot(object: RawObject): RefundSnapshot {
  return refundFrom(new Fields(object, 'refund'));
}

export function toChargeSnapshot(object: RawObject): ChargeSnapshot {
  const f = new Fields(object, 'charge');
  return {
    id: f.string('id'),
    paymentIntentId: f.stringOrNull('payment_intent'),
    amount: f.integer('amount'),
    amountRefunded: f.integer('amount_refunded'),
    currency: f.string('currency'),
    refunds: f.list('refunds').map(refundFrom),
  };
}

export function toDisputeSnapshot(object: RawObject): DisputeSnapshot {
  const f = new Fields(object, 'dispute');
  return {
    id: f.string('id'),
    chargeId: f.stringOrNull('charge'),
    paymentIntentId: f.stringOrNull('payment_intent'),
    status: f.string('status'),
    reason: f.stringOrNull('reason'),
    amount: f.integer('amount'),
    currency: f.string('currency'),
    evidenceDueBy: f.nestedOrNull('evidence_details')?.timeOrNull('due_by') ?? null,
  };
}

export function toFraudWarningSnapshot(object: RawObject): FraudWarningSnapshot {
  const f = new Fields(object, 'radar.early_fraud_warning');
  return {
    id: f.string('id'),
    chargeId: f.stringOrNull('charge'),
    paymentIntentId: f.stringOrNull('payment_intent'),
    fraudType: f.stringOrNull('fraud_type'),
    actionable: f.boolean('actionable'),
  };
}

export function toCustomerSnapshot(object: RawObject): CustomerSnapshot {
  const f = new Fields(object, 'customer');
  return { id: f.string('id'), email: f.stringOrNull('email') };
}

/**
 * What one event type means for us. Types the sandbox never sends (async
 * payments, invoice.payment_failed, refund updates) are mapped all the same so
 * that a hand-made test event of that type behaves as Stripe's would.
 */
export function toProviderChange(type: string, raw: RawObject): ProviderChange | null {
  switch (type) {
    case 'checkout.session.completed':
      return { kind: 'checkout.completed', session: toCheckoutSessionSnapshot(raw), raw };
    case 'checkout.session.expired':
      return { kind: 'checkout.expired', session: toCheckoutSessionSnapshot(raw), raw };
    case 'checkout.session.async_payment_succeeded':
      return {
        kind: 'checkout.async_payment_succeeded',
        session: toCheckoutSessionSnapshot(raw),
        raw,
      };
    case 'checkout.session.async_payment_failed':
      return {
        kind: 'checkout.async_payment_failed',
        session: toCheckoutSessionSnapshot(raw),
        raw,
      };
    case 'payment_intent.succeeded':
      return { kind: 'payment.succeeded', payment: toPaymentSnapshot(raw), raw };
    case 'payment_intent.payment_failed': {
      // The event says the attempt failed, whatever status the intent went back to.
      const payment = toPaymentSnapshot(raw);
      return { kind: 'payment.failed', payment: { ...payment, status: 'failed' }, raw };
    }
    case 'invoice.paid':
      return { kind: 'invoice.paid', invoice: toInvoiceSnapshot(raw), raw };
    case 'invoice.payment_failed':
      return { kind: 'invoice.payment_failed', invoice: toInvoiceSnapshot(raw), raw };
    case 'customer.subscription.created':
      return {
        kind: 'subscription.changed',
        action: 'created',
        subscription: toSubscriptionSnapshot(raw),
        raw,
      };
    case 'customer.subscription.updated':
      return {
        kind: 'subscription.changed',
        action: 'updated',
        subscription: toSubscriptionSnapshot(raw),
        raw,
      };
    case 'customer.subscription.deleted':
      return { kind: 'subscription.deleted', subscription: toSubscriptionSnapshot(raw), raw };
    case 'charge.refunded':
      return { kind: 'charge.refunded', charge: toChargeSnapshot(raw), raw };
    case 'refund.created':
      return { kind: 'refund.changed', action: 'created', refund: toRefundSnapshot(raw), raw };
    case 'refund.updated':
      return { kind: 'refund.changed', action: 'updated', refund: toRefundSnapshot(raw), raw };
    case 'refund.failed':
      return { kind: 'refund.changed', action: 'failed', refund: toRefundSnapshot(raw), raw };
    case 'charge.dispute.created':
      return { kind: 'dispute.changed', action: 'created', dispute: toDisputeSnapshot(raw), raw };
    case 'charge.dispute.updated':
      return { kind: 'dispute.changed', action: 'updated', dispute: toDisputeSnapshot(raw), raw };
    case 'charge.dispute.closed':
      return { kind: 'dispute.changed', action: 'closed', dispute: toDisputeSnapshot(raw), raw };
    case 'radar.early_fraud_warning.created':
      return {
        kind: 'fraud_warning.changed',
        action: 'created',
        warning: toFraudWarningSnapshot(raw),
        raw,
      };
    case 'radar.early_fraud_warning.updated':
      return {
        kind: 'fraud_warning.changed',
        action: 'updated',
        warning: toFraudWarningSnapshot(raw),
        raw,
      };
    default:
      return null;
  }
}

/**
 * Interprets a sandbox event envelope `{id, object: 'event', type, created, data: {object}}`.
 * @throws WebhookVerificationError when it is not one
 */
export function interpretSandboxEvent(payload: unknown): ProviderEvent {
  if (!isObject(payload))
    throw new WebhookVerificationError('Malformed sandbox event: not a JSON object');
  const f = new Fields(payload, 'event');
  if (payload.object !== 'event') {
    throw new WebhookVerificationError('Malformed sandbox event: event.object must be "event"');
  }
  const id = f.string('id');
  const type = f.string('type');
  const created = f.integer('created');
  const raw = f.nested('data').nested('object').object;
  return {
    id,
    type,
    occurredAt: new Date(created * 1000),
    payload,
    change: toProviderChange(type, raw),
  };
}
