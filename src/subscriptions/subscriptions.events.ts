import { PaymentEventBase } from '../events/payment-events';
import type { TransactionResource } from '../transactions/transaction.resource';
import type { SubscriptionResource } from './subscription.resource';

/*
 * Payloads of the subscription and invoice domain events (DESIGN §7). Delivery is
 * at least once: dedup on providerEventId. Events caused by our own API call
 * (cancel, resume) have providerEventId null; the provider's webhook follows.
 */

interface EventBase {
  providerEventId: string | null;
  occurredAt: Date;
  raw: Record<string, unknown> | null;
}

/** payment.subscription.created: our row for a provider subscription appeared. */
export class SubscriptionCreatedEvent extends PaymentEventBase {
  readonly subscription: SubscriptionResource;

  constructor(subscription: SubscriptionResource, base: EventBase) {
    super(base);
    this.subscription = subscription;
  }
}

/** payment.subscription.updated: status, period, plan or a scheduled cancellation changed. */
export class SubscriptionUpdatedEvent extends PaymentEventBase {
  readonly subscription: SubscriptionResource;
  /** The status before this change. */
  readonly previousStatus: SubscriptionResource['status'];

  constructor(
    subscription: SubscriptionResource,
    previousStatus: SubscriptionResource['status'],
    base: EventBase,
  ) {
    super(base);
    this.subscription = subscription;
    this.previousStatus = previousStatus;
  }
}

/** payment.subscription.canceled: the subscription has ended (revoke access now). */
export class SubscriptionCanceledEvent extends PaymentEventBase {
  readonly subscription: SubscriptionResource;

  constructor(subscription: SubscriptionResource, base: EventBase) {
    super(base);
    this.subscription = subscription;
  }
}

/** The invoice an invoice event is about, API-shaped. */
export interface InvoiceSummary {
  provider_invoice_id: string;
  provider_subscription_id: string | null;
  /** subscription_create, subscription_cycle, … */
  billing_reason: string | null;
  amount: number;
  currency: string;
  failure_message: string | null;
}

/** payment.invoice.paid: a (renewal) invoice was paid; its charge row is `succeeded`. */
export class InvoicePaidEvent extends PaymentEventBase {
  readonly invoice: InvoiceSummary;
  /** The invoice's charge row; null for an invoice that moved no money (a $0 trial invoice). */
  readonly transaction: TransactionResource | null;
  /** null while the subscription's own event has not arrived yet. */
  readonly subscription: SubscriptionResource | null;

  constructor(
    invoice: InvoiceSummary,
    transaction: TransactionResource | null,
    subscription: SubscriptionResource | null,
    base: EventBase,
  ) {
    super(base);
    this.invoice = invoice;
    this.transaction = transaction;
    this.subscription = subscription;
  }
}

/** payment.invoice.payment_failed: an attempt to pay an invoice failed; the provider may retry. */
export class InvoicePaymentFailedEvent extends PaymentEventBase {
  readonly invoice: InvoiceSummary;
  /** The invoice's charge row, `failed` (until a retry succeeds). */
  readonly transaction: TransactionResource | null;
  readonly subscription: SubscriptionResource | null;

  constructor(
    invoice: InvoiceSummary,
    transaction: TransactionResource | null,
    subscription: SubscriptionResource | null,
    base: EventBase,
  ) {
    super(base);
    this.invoice = invoice;
    this.transaction = transaction;
    this.subscription = subscription;
  }
}
