/**
 * Every domain event name (DESIGN §7), in one place. App code listens with
 * `@OnPaymentEvent(PaymentEvents.CHECKOUT_COMPLETED)`.
 */
export const PaymentEvents = {
  CHECKOUT_COMPLETED: 'payment.checkout.completed',
  CHECKOUT_EXPIRED: 'payment.checkout.expired',
  TRANSACTION_SUCCEEDED: 'payment.transaction.succeeded',
  TRANSACTION_FAILED: 'payment.transaction.failed',
  REFUND_CREATED: 'payment.refund.created',
  REFUND_UPDATED: 'payment.refund.updated',
  SUBSCRIPTION_CREATED: 'payment.subscription.created',
  SUBSCRIPTION_UPDATED: 'payment.subscription.updated',
  SUBSCRIPTION_CANCELED: 'payment.subscription.canceled',
  INVOICE_PAID: 'payment.invoice.paid',
  INVOICE_PAYMENT_FAILED: 'payment.invoice.payment_failed',
  DISPUTE_CREATED: 'payment.dispute.created',
  DISPUTE_UPDATED: 'payment.dispute.updated',
  DISPUTE_CLOSED: 'payment.dispute.closed',
  FRAUD_WARNING_CREATED: 'payment.fraud_warning.created',
  DISPUTE_DEADLINE_APPROACHING: 'payment.dispute.deadline_approaching',
  DISPUTE_DEADLINE_PASSED: 'payment.dispute.deadline_passed',
} as const;

export type PaymentEventName = (typeof PaymentEvents)[keyof typeof PaymentEvents];

/** What every domain event carries besides its rows. */
export abstract class PaymentEventBase {
  /** The provider event that caused it (null for events of our own, e.g. the deadline job). Use it to dedup: delivery is at least once. */
  providerEventId: string | null;
  /** When it happened at the provider (or when our job noticed). */
  occurredAt: Date;
  /** The provider's object (e.g. Stripe's checkout.session), when there is one. */
  raw: Record<string, unknown> | null;

  protected constructor(base: {
    providerEventId: string | null;
    occurredAt: Date;
    raw: Record<string, unknown> | null;
  }) {
    this.providerEventId = base.providerEventId;
    this.occurredAt = base.occurredAt;
    this.raw = base.raw;
  }
}
