/**
 * Pure mapping from a Stripe event to our provider-neutral change (DESIGN §5, §6.1).
 * One table row per handled event type; every other type is "not relevant" (change null).
 */
import type { ProviderChange, ProviderEvent, RawObject } from '../payment-provider.types';
import {
  StripePayloadError,
  checkoutModeOf,
  expectKind,
  isJsonObject,
  toChargeSnapshot,
  toCheckoutSessionSnapshot,
  toDisputeSnapshot,
  toFraudWarningSnapshot,
  toInvoiceSnapshot,
  toPaymentSnapshot,
  toRefundSnapshot,
  toSubscriptionSnapshot,
} from './stripe-object.mapper';

type EventMapper = (object: RawObject) => ProviderChange | null;

function checkout(
  kind:
    | 'checkout.completed'
    | 'checkout.expired'
    | 'checkout.async_payment_succeeded'
    | 'checkout.async_payment_failed',
  status: 'complete' | 'expired',
): EventMapper {
  return (raw) => {
    expectKind(raw, 'checkout.session');
    // Setup-mode sessions (saving a card) are not ours to record.
    if (checkoutModeOf(raw) === null) return null;
    return { kind, session: toCheckoutSessionSnapshot(raw, status), raw };
  };
}

const refund =
  (action: 'created' | 'updated' | 'failed'): EventMapper =>
  (raw) => ({
    kind: 'refund.changed',
    action,
    refund: toRefundSnapshot(raw, action === 'failed'),
    raw,
  });

const dispute =
  (action: 'created' | 'updated' | 'closed'): EventMapper =>
  (raw) => ({ kind: 'dispute.changed', action, dispute: toDisputeSnapshot(raw), raw });

const fraudWarning =
  (action: 'created' | 'updated'): EventMapper =>
  (raw) => ({ kind: 'fraud_warning.changed', action, warning: toFraudWarningSnapshot(raw), raw });

const subscriptionChanged =
  (action: 'created' | 'updated'): EventMapper =>
  (raw) => ({
    kind: 'subscription.changed',
    action,
    subscription: toSubscriptionSnapshot(raw),
    raw,
  });

const EVENT_MAPPERS: Readonly<Record<string, EventMapper>> = {
  'checkout.session.completed': checkout('checkout.completed', 'complete'),
  'checkout.session.expired': checkout('checkout.expired', 'expired'),
  'checkout.session.async_payment_succeeded': checkout(
    'checkout.async_payment_succeeded',
    'complete',
  ),
  'checkout.session.async_payment_failed': checkout('checkout.async_payment_failed', 'complete'),
  'payment_intent.succeeded': (raw) => ({
    kind: 'payment.succeeded',
    payment: toPaymentSnapshot(raw),
    raw,
  }),
  'payment_intent.payment_failed': (raw) => ({
    kind: 'payment.failed',
    payment: toPaymentSnapshot(raw, true),
    raw,
  }),
  'invoice.paid': (raw) => ({ kind: 'invoice.paid', invoice: toInvoiceSnapshot(raw, true), raw }),
  'invoice.payment_failed': (raw) => ({
    kind: 'invoice.payment_failed',
    invoice: toInvoiceSnapshot(raw, false),
    raw,
  }),
  'customer.subscription.created': subscriptionChanged('created'),
  'customer.subscription.updated': subscriptionChanged('updated'),
  'customer.subscription.deleted': (raw) => ({
    kind: 'subscription.deleted',
    subscription: toSubscriptionSnapshot(raw),
    raw,
  }),
  'charge.refunded': (raw) => ({ kind: 'charge.refunded', charge: toChargeSnapshot(raw), raw }),
  'refund.created': refund('created'),
  'refund.updated': refund('updated'),
  'refund.failed': refund('failed'),
  // Older API versions announce refund changes as charge.refund.updated (data.object is the refund).
  'charge.refund.updated': refund('updated'),
  'charge.dispute.created': dispute('created'),
  'charge.dispute.updated': dispute('updated'),
  'charge.dispute.closed': dispute('closed'),
  'radar.early_fraud_warning.created': fraudWarning('created'),
  'radar.early_fraud_warning.updated': fraudWarning('updated'),
};

/** The Stripe event types this service acts on; a webhook endpoint should enable at least these. */
export const STRIPE_HANDLED_EVENT_TYPES: readonly string[] = Object.keys(EVENT_MAPPERS);

/**
 * The change a Stripe event of `type` about `object` (the event's data.object) means for us,
 * or null when the service does not act on it.
 * @throws StripePayloadError when the object lacks a field we need.
 */
export function mapStripeEvent(type: string, object: RawObject): ProviderChange | null {
  const mapper = Object.hasOwn(EVENT_MAPPERS, type) ? EVENT_MAPPERS[type] : undefined;
  return mapper ? mapper(object) : null;
}

/**
 * Reads a parsed Stripe event envelope (verified earlier, or replayed from the inbox).
 * @throws StripePayloadError when it is not a Stripe event or its object is malformed.
 */
export function interpretStripeEvent(payload: RawObject): ProviderEvent {
  if (payload.object !== undefined && payload.object !== 'event') {
    throw new StripePayloadError(
      `Expected a Stripe event but got ${JSON.stringify(payload.object)}`,
    );
  }
  const { id, type, created, data } = payload;
  if (typeof id !== 'string' || id === '') throw new StripePayloadError('Stripe event has no id');
  if (typeof type !== 'string' || type === '') {
    throw new StripePayloadError(`Stripe event ${id} has no type`);
  }
  if (typeof created !== 'number' || !Number.isFinite(created)) {
    throw new StripePayloadError(`Stripe event ${id} has no created time`);
  }
  if (!isJsonObject(data) || !isJsonObject(data.object)) {
    throw new StripePayloadError(`Stripe event ${id} has no data.object`);
  }
  return {
    id,
    type,
    occurredAt: new Date(created * 1000),
    payload,
    change: mapStripeEvent(type, data.object),
  };
}
