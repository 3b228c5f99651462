import { PaymentEventBase } from '../events/payment-events';
import type { TransactionResource } from '../transactions/transaction.resource';
import type { CheckoutSessionResource } from './checkout-session.resource';

interface EventBaseData {
  providerEventId: string | null;
  occurredAt: Date;
  raw: Record<string, unknown> | null;
}

/**
 * `payment.checkout.completed`: the buyer finished a checkout and it is paid for
 * (checkout.session.completed with payment_status paid / no_payment_required, or, for a delayed
 * payment method, checkout.session.async_payment_succeeded). Grant access here.
 */
export class CheckoutCompletedEvent extends PaymentEventBase {
  session: CheckoutSessionResource;
  /** One-time mode: the charge row. null in subscription mode (its money comes with the invoice). */
  transaction: TransactionResource | null;
  /** The app's user id given at checkout (customer_ref), or the session's client_reference_id. */
  customerRef: string | null;
  providerSessionId: string;
  providerCustomerId: string | null;
  providerPaymentIntentId: string | null;
  providerSubscriptionId: string | null;

  constructor(
    data: EventBaseData & {
      session: CheckoutSessionResource;
      transaction: TransactionResource | null;
      customerRef: string | null;
      providerCustomerId: string | null;
    },
  ) {
    super(data);
    this.session = data.session;
    this.transaction = data.transaction;
    this.customerRef = data.customerRef;
    this.providerSessionId = data.session.session_id;
    this.providerCustomerId = data.providerCustomerId;
    this.providerPaymentIntentId = data.session.provider_payment_intent_id;
    this.providerSubscriptionId = data.session.provider_subscription_id;
  }
}

/** `payment.checkout.expired`: the session ended without being completed. */
export class CheckoutExpiredEvent extends PaymentEventBase {
  session: CheckoutSessionResource;
  customerRef: string | null;
  providerSessionId: string;

  constructor(data: EventBaseData & { session: CheckoutSessionResource }) {
    super(data);
    this.session = data.session;
    this.customerRef = data.session.customer_ref;
    this.providerSessionId = data.session.session_id;
  }
}

abstract class TransactionEventBase extends PaymentEventBase {
  /** The charge row, as GET /transactions/:id shows it. */
  transaction: TransactionResource;
  customerRef: string | null;
  /** The checkout session (cs_…) that made the payment, once known. */
  checkoutSessionId: string | null;

  constructor(data: EventBaseData & { transaction: TransactionResource }) {
    super(data);
    this.transaction = data.transaction;
    this.customerRef = data.transaction.customer_ref;
    this.checkoutSessionId = data.transaction.checkout_session_id;
  }
}

/**
 * `payment.transaction.succeeded`: a checkout's payment succeeded (the provider's
 * payment_intent.succeeded). Subscription invoices are announced as payment.invoice.paid.
 */
export class TransactionSucceededEvent extends TransactionEventBase {}

/**
 * `payment.transaction.failed`: a checkout's payment attempt failed (declined card,
 * payment_intent.payment_failed); `transaction.reason` holds the provider's message. The buyer
 * may still retry on the same checkout page, and a later success turns the row `succeeded`.
 */
export class TransactionFailedEvent extends TransactionEventBase {}
