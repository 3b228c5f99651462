/**
 * The sandbox's own API objects: what its webhook events carry in `data.object`
 * (the `raw` of a ProviderChange). They borrow Stripe's field names (snake_case,
 * unix-second times, ids like `pi_sbx_…`) so that a listener reading `raw` finds
 * familiar fields, but they are simpler: prices sit on the session and the
 * subscription directly, the invoice names its subscription and payment intent,
 * and a subscription's period is on the subscription (Stripe's older layout).
 */

/** Unix time in whole seconds, read from the sandbox clock. */
export type UnixSeconds = number;

export type SandboxInterval = 'month' | 'year';

export interface SandboxPrice {
  id: string;
  /** Minor units per unit. */
  amount: number;
  /** 3-letter lowercase. */
  currency: string;
  /** The product's name, shown on the hosted page and used as plan name. */
  name: string;
  /** null: a one-off price (payment mode); otherwise recurring (subscription mode). */
  interval: SandboxInterval | null;
}

export type SandboxMetadata = Record<string, string>;

export interface SandboxCheckoutSession {
  id: string;
  object: 'checkout.session';
  created: UnixSeconds;
  mode: 'payment' | 'subscription';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid';
  url: string;
  expires_at: UnixSeconds;
  success_url: string;
  cancel_url: string;
  price: SandboxPrice;
  quantity: number;
  amount_total: number;
  currency: string;
  customer: string | null;
  customer_email: string | null;
  client_reference_id: string | null;
  /** Set on completion in payment mode (and on a declined attempt); null in subscription mode. */
  payment_intent: string | null;
  subscription: string | null;
  invoice: string | null;
  metadata: SandboxMetadata;
}

export interface SandboxPaymentError {
  code: 'card_declined';
  decline_code: string;
  message: string;
}

export interface SandboxPaymentIntent {
  id: string;
  object: 'payment_intent';
  created: UnixSeconds;
  amount: number;
  currency: string;
  /** requires_payment_method after a decline (with last_payment_error), like Stripe. */
  status: 'requires_payment_method' | 'succeeded' | 'canceled';
  customer: string | null;
  description: string | null;
  invoice: string | null;
  latest_charge: string | null;
  last_payment_error: SandboxPaymentError | null;
  /** Copied from the checkout session, as Stripe's payment_intent_data.metadata would be. */
  metadata: SandboxMetadata;
}

export interface SandboxRefund {
  id: string;
  object: 'refund';
  created: UnixSeconds;
  amount: number;
  currency: string;
  status: 'succeeded';
  reason: 'duplicate' | 'fraudulent' | 'requested_by_customer' | null;
  charge: string;
  payment_intent: string | null;
  failure_reason: string | null;
  metadata: SandboxMetadata;
}

export interface SandboxCharge {
  id: string;
  object: 'charge';
  created: UnixSeconds;
  amount: number;
  /** Cumulative over `refunds`. */
  amount_refunded: number;
  currency: string;
  status: 'succeeded' | 'failed';
  paid: boolean;
  /** true once fully refunded. */
  refunded: boolean;
  disputed: boolean;
  payment_intent: string | null;
  customer: string | null;
  invoice: string | null;
  description: string | null;
  failure_code: string | null;
  failure_message: string | null;
  /** Every refund of the charge, oldest first. */
  refunds: SandboxRefund[];
  metadata: SandboxMetadata;
}

export type SandboxSubscriptionStatus = 'active' | 'canceled';

export interface SandboxSubscription {
  id: string;
  object: 'subscription';
  created: UnixSeconds;
  customer: string;
  status: SandboxSubscriptionStatus;
  price: SandboxPrice;
  quantity: number;
  /** Periods are counted from here (a Jan 31 anchor renews Feb 28, then Mar 31). */
  billing_cycle_anchor: UnixSeconds;
  current_period_start: UnixSeconds;
  current_period_end: UnixSeconds;
  cancel_at_period_end: boolean;
  cancel_at: UnixSeconds | null;
  /** When the cancellation was requested (as Stripe sets it), cleared on resume. */
  canceled_at: UnixSeconds | null;
  ended_at: UnixSeconds | null;
  trial_end: UnixSeconds | null;
  latest_invoice: string | null;
  metadata: SandboxMetadata;
}

export interface SandboxInvoice {
  id: string;
  object: 'invoice';
  created: UnixSeconds;
  customer: string;
  subscription: string;
  payment_intent: string | null;
  charge: string | null;
  amount_due: number;
  amount_paid: number;
  currency: string;
  status: 'paid' | 'open';
  billing_reason: 'subscription_create' | 'subscription_cycle';
  period_start: UnixSeconds;
  period_end: UnixSeconds;
}

export interface SandboxCustomer {
  id: string;
  object: 'customer';
  created: UnixSeconds;
  email: string | null;
  /** external_ref: the app's user id. */
  metadata: SandboxMetadata;
}

export type SandboxDisputeStatus =
  | 'warning_needs_response'
  | 'warning_under_review'
  | 'warning_closed'
  | 'needs_response'
  | 'under_review'
  | 'won'
  | 'lost';

export interface SandboxDispute {
  id: string;
  object: 'dispute';
  created: UnixSeconds;
  amount: number;
  currency: string;
  charge: string;
  payment_intent: string | null;
  status: SandboxDisputeStatus;
  reason: string;
  /** due_by null: no deadline. */
  evidence_details: {
    due_by: UnixSeconds | null;
    has_evidence: boolean;
    past_due: boolean;
    submission_count: number;
  };
  is_charge_refundable: boolean;
}

export interface SandboxEarlyFraudWarning {
  id: string;
  object: 'radar.early_fraud_warning';
  created: UnixSeconds;
  /** false when the charge is already fully refunded or disputed, as on Stripe. */
  actionable: boolean;
  charge: string;
  payment_intent: string | null;
  fraud_type: string;
}

export type SandboxObject =
  | SandboxCheckoutSession
  | SandboxPaymentIntent
  | SandboxCharge
  | SandboxRefund
  | SandboxSubscription
  | SandboxInvoice
  | SandboxCustomer
  | SandboxDispute
  | SandboxEarlyFraudWarning;

/** The event types the sandbox sends (Stripe's names). */
export type SandboxEventType =
  | 'checkout.session.completed'
  | 'checkout.session.expired'
  | 'payment_intent.succeeded'
  | 'payment_intent.payment_failed'
  | 'invoice.paid'
  | 'customer.subscription.created'
  | 'customer.subscription.updated'
  | 'customer.subscription.deleted'
  | 'refund.created'
  | 'charge.refunded'
  | 'charge.dispute.created'
  | 'charge.dispute.updated'
  | 'charge.dispute.closed'
  | 'radar.early_fraud_warning.created';

/** The webhook envelope, as delivered (JSON). */
export interface SandboxEventEnvelope {
  id: string;
  object: 'event';
  type: SandboxEventType;
  /** From the sandbox clock. */
  created: UnixSeconds;
  data: { object: SandboxObject };
}

/** An event ready to send: `body` is the exact JSON bytes that get signed. */
export interface SandboxEvent {
  id: string;
  type: SandboxEventType;
  body: string;
}
