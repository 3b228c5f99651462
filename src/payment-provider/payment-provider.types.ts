/**
 * Provider-neutral types. Feature modules see only these, never a provider's
 * SDK types. Amounts are integer minor units, currencies 3-letter lowercase.
 */

export type Metadata = Record<string, string>;
/** The provider's object as received, for listeners that need a field we do not map. */
export type RawObject = Record<string, unknown>;

export type CheckoutMode = 'payment' | 'subscription';

export interface CreateCheckoutSessionInput {
  mode: CheckoutMode;
  priceId: string;
  quantity: number;
  successUrl: string;
  cancelUrl: string;
  /** The provider customer to attach, when the app named a customer_ref. */
  providerCustomerId?: string;
  /** Prefills the email when no customer is attached. */
  customerEmail?: string;
  /** The app's user id, echoed back on the completed session. */
  clientReferenceId?: string;
  metadata: Metadata;
  idempotencyKey: string;
}

export interface CheckoutSessionSnapshot {
  id: string;
  mode: CheckoutMode;
  status: 'open' | 'complete' | 'expired';
  /** paid | unpaid | no_payment_required */
  paymentStatus: string | null;
  url: string | null;
  expiresAt: Date | null;
  amountTotal: number | null;
  currency: string | null;
  paymentIntentId: string | null;
  subscriptionId: string | null;
  customerId: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  metadata: Metadata;
}

export type PaymentStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';

export interface PaymentSnapshot {
  /** The payment intent id (pi_…) */
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  chargeId: string | null;
  customerId: string | null;
  /** Older API versions link the invoice on the payment intent. */
  invoiceId: string | null;
  description: string | null;
  failureMessage: string | null;
  metadata: Metadata;
}

export interface InvoiceSnapshot {
  id: string;
  subscriptionId: string | null;
  customerId: string | null;
  paymentIntentId: string | null;
  chargeId: string | null;
  /** amount_paid for a paid invoice, amount_due otherwise */
  amount: number;
  currency: string;
  status: string | null;
  billingReason: string | null;
  failureMessage: string | null;
}

/** The provider's subscription statuses (DESIGN §4), kept as they are. */
export const SUBSCRIPTION_STATUSES = [
  'incomplete',
  'incomplete_expired',
  'trialing',
  'active',
  'past_due',
  'canceled',
  'unpaid',
  'paused',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

export interface SubscriptionSnapshot {
  id: string;
  customerId: string | null;
  status: SubscriptionStatus;
  priceId: string | null;
  planName: string | null;
  quantity: number;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  cancelAt: Date | null;
  canceledAt: Date | null;
  endedAt: Date | null;
  trialEnd: Date | null;
  metadata: Metadata;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'canceled';
export const PROVIDER_REFUND_REASONS = [
  'duplicate',
  'fraudulent',
  'requested_by_customer',
] as const;
export type ProviderRefundReason = (typeof PROVIDER_REFUND_REASONS)[number];

export interface RefundSnapshot {
  id: string;
  paymentIntentId: string | null;
  chargeId: string | null;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string | null;
  failureReason: string | null;
  metadata: Metadata;
}

export interface ChargeSnapshot {
  id: string;
  paymentIntentId: string | null;
  amount: number;
  /** Cumulative; informational only — refunds are recorded by refund id. */
  amountRefunded: number;
  currency: string;
  /** The refunds listed on the charge (may be a partial list). */
  refunds: RefundSnapshot[];
}

export interface DisputeSnapshot {
  id: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  /** The provider's status, unmapped (needs_response, warning_needs_response, won, …) */
  status: string;
  reason: string | null;
  amount: number;
  currency: string;
  /** null when the provider gives no deadline (null or 0) */
  evidenceDueBy: Date | null;
}

export interface FraudWarningSnapshot {
  id: string;
  chargeId: string | null;
  paymentIntentId: string | null;
  fraudType: string | null;
  actionable: boolean;
}

/**
 * What a provider event means for us. Each kind is handled by exactly one
 * feature (see WebhookHandlerRegistry); `raw` is the provider's object.
 */
export type ProviderChange =
  | { kind: 'checkout.completed'; session: CheckoutSessionSnapshot; raw: RawObject }
  | { kind: 'checkout.expired'; session: CheckoutSessionSnapshot; raw: RawObject }
  | { kind: 'checkout.async_payment_succeeded'; session: CheckoutSessionSnapshot; raw: RawObject }
  | { kind: 'checkout.async_payment_failed'; session: CheckoutSessionSnapshot; raw: RawObject }
  | { kind: 'payment.succeeded'; payment: PaymentSnapshot; raw: RawObject }
  | { kind: 'payment.failed'; payment: PaymentSnapshot; raw: RawObject }
  | { kind: 'invoice.paid'; invoice: InvoiceSnapshot; raw: RawObject }
  | { kind: 'invoice.payment_failed'; invoice: InvoiceSnapshot; raw: RawObject }
  | {
      kind: 'subscription.changed';
      action: 'created' | 'updated';
      subscription: SubscriptionSnapshot;
      raw: RawObject;
    }
  | { kind: 'subscription.deleted'; subscription: SubscriptionSnapshot; raw: RawObject }
  | { kind: 'charge.refunded'; charge: ChargeSnapshot; raw: RawObject }
  | {
      kind: 'refund.changed';
      action: 'created' | 'updated' | 'failed';
      refund: RefundSnapshot;
      raw: RawObject;
    }
  | {
      kind: 'dispute.changed';
      action: 'created' | 'updated' | 'closed';
      dispute: DisputeSnapshot;
      raw: RawObject;
    }
  | {
      kind: 'fraud_warning.changed';
      action: 'created' | 'updated';
      warning: FraudWarningSnapshot;
      raw: RawObject;
    };

export type ChangeKind = ProviderChange['kind'];
export type ChangeOf<K extends ChangeKind> = Extract<ProviderChange, { kind: K }>;

/** Every change kind; the registry refuses to start while one has no handler. */
export const CHANGE_KINDS = [
  'checkout.completed',
  'checkout.expired',
  'checkout.async_payment_succeeded',
  'checkout.async_payment_failed',
  'payment.succeeded',
  'payment.failed',
  'invoice.paid',
  'invoice.payment_failed',
  'subscription.changed',
  'subscription.deleted',
  'charge.refunded',
  'refund.changed',
  'dispute.changed',
  'fraud_warning.changed',
] as const satisfies readonly ChangeKind[];

// Compile-time proof that CHANGE_KINDS lists every kind of the union.
type MissingKinds = Exclude<ChangeKind, (typeof CHANGE_KINDS)[number]>;
const everyKindListed: MissingKinds extends never ? true : MissingKinds = true;
void everyKindListed;

/** A verified provider event. */
export interface ProviderEvent {
  /** The provider's event id (evt_…): the inbox key. */
  id: string;
  type: string;
  /** The provider's event time, whole seconds. */
  occurredAt: Date;
  /** The event as received, stored in the inbox for replay. */
  payload: RawObject;
  /** null: an event type this service does not act on (stored as ignored). */
  change: ProviderChange | null;
}

export interface CreateRefundInput {
  paymentIntentId: string | null;
  chargeId: string | null;
  amount: number;
  /** Only reasons the provider accepts; other text belongs in metadata. */
  reason?: ProviderRefundReason;
  metadata: Metadata;
  idempotencyKey: string;
}

/** Finds a refund we asked for among the refunds of one payment (PaymentProvider.findRefund). */
export interface FindRefundInput {
  /** The payment the refund was made against: its payment intent, or failing that its charge. */
  paymentIntentId: string | null;
  chargeId: string | null;
  /** Every pair must be in the refund's metadata (our row id, which we sent with it). */
  metadata: Metadata;
}

/** Finds a checkout session we asked for (PaymentProvider.findCheckoutSession). */
export interface FindCheckoutSessionInput {
  /** Sessions created before this time are not looked at (the listing is bounded by it). */
  createdSince: Date;
  /** Every pair must be in the session's metadata (our checkout row id, which we sent with it). */
  metadata: Metadata;
}

export interface CreateCustomerInput {
  externalRef: string;
  email?: string;
  idempotencyKey: string;
}

export interface CustomerSnapshot {
  id: string;
  email: string | null;
}

/** One page of the provider's event listing (PaymentProvider.listEvents). */
export interface ListEventsInput {
  /** Only events created at or after this time. */
  since: Date;
  /** The `nextCursor` of the previous page; absent for the first page. */
  cursor?: string;
  /** Events per page (the provider may cap it; Stripe: 100). */
  limit?: number;
}

export interface ProviderEventPage {
  /** Newest first within the page, as providers list them. */
  events: ProviderEvent[];
  /** Listed events that could not be interpreted (malformed): reported, never skipped silently. */
  unreadable: { id: string; error: string }[];
  /** Pass as `cursor` for the next (older) page; null when this was the last page. */
  nextCursor: string | null;
}

/** A row we may hold stale, to be looked up at the provider (PaymentProvider.currentStateEvent). */
export type StaleObjectRef =
  { kind: 'checkout_session'; id: string } | { kind: 'payment'; id: string };
