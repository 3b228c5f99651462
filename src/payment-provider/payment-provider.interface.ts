import { Inject } from '@nestjs/common';
import type {
  CheckoutSessionSnapshot,
  CreateCheckoutSessionInput,
  CreateCustomerInput,
  CreateRefundInput,
  CustomerSnapshot,
  FindCheckoutSessionInput,
  FindRefundInput,
  ListEventsInput,
  PaymentSnapshot,
  ProviderEventPage,
  ProviderEvent,
  RawObject,
  RefundSnapshot,
  StaleObjectRef,
  SubscriptionSnapshot,
} from './payment-provider.types';

/** Injection token of the configured PaymentProvider. */
export const PAYMENT_PROVIDER = Symbol('PAYMENT_PROVIDER');

/** `@InjectPaymentProvider() private readonly provider: PaymentProvider` */
export const InjectPaymentProvider = (): ParameterDecorator => Inject(PAYMENT_PROVIDER);

/**
 * How long after the first attempt a mutating call may be re-sent with the same idempotency key
 * and be made at most once. Stripe keeps a key for 24 hours; past that the same key is a new
 * request, so a call whose outcome is still unknown is looked up instead (findRefund,
 * findCheckoutSession) — never re-sent blindly. An hour of margin for clocks and slow settling.
 */
export const IDEMPOTENCY_WINDOW_MS = 23 * 3600_000;

/** Request headers as Node gives them. */
export type RequestHeaders = Record<string, string | string[] | undefined>;

/**
 * The seam between our features and a payment provider (DESIGN §5). Small and
 * provider-neutral: implementations translate to and from their own API.
 *
 * Errors: implementations throw ProviderError (payment-provider.errors.ts) —
 * `invalid_request` keeps the provider's message for the client (HTTP 400),
 * `provider_error` is misconfiguration or a provider-side failure (502),
 * `unavailable` is a timeout, connection failure or rate limit (503, retryable).
 */
export interface PaymentProvider {
  /** Short stable name stored on every row ("stripe", "sandbox"). */
  readonly name: string;

  /**
   * Creates a hosted checkout page for one price.
   * @param input.idempotencyKey derived from our own ids; the same key returns the same session.
   * @returns the session, with the URL to send the buyer to.
   */
  createCheckoutSession(input: CreateCheckoutSessionInput): Promise<CheckoutSessionSnapshot>;

  /**
   * Reads a payment (payment intent) as the provider sees it now.
   * @param paymentIntentId the provider's id (pi_…)
   */
  retrievePayment(paymentIntentId: string): Promise<PaymentSnapshot>;

  /**
   * Refunds all or part of a payment. Needs the payment intent or, failing that, the charge id.
   * @param input.amount minor units, > 0 and at most what remains
   * @param input.idempotencyKey derived from our refund row or the client's key: a retry never refunds twice.
   */
  createRefund(input: CreateRefundInput): Promise<RefundSnapshot>;

  /**
   * Looks up a refund we asked for, among the refunds of the payment, by our reference in its
   * metadata: how a refund whose outcome stayed unknown past the idempotency window
   * (IDEMPOTENCY_WINDOW_MS) is settled without risking a second refund.
   * @returns the refund, or null when the provider never made it.
   */
  findRefund(input: FindRefundInput): Promise<RefundSnapshot | null>;

  /**
   * Looks up a checkout session we asked for, by our reference in its metadata, among the
   * sessions created since a time: how a checkout whose creation had an unknown outcome is
   * settled (its URL learnt, or its row expired when nothing was made).
   * @returns the session, or null when the provider never made it.
   */
  findCheckoutSession(input: FindCheckoutSessionInput): Promise<CheckoutSessionSnapshot | null>;

  /**
   * Schedules the subscription to end at the end of its current period (it stays active until then).
   * Calling it again is harmless.
   */
  cancelSubscriptionAtPeriodEnd(
    subscriptionId: string,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot>;

  /** Undoes a scheduled cancellation of a subscription that has not ended yet. */
  resumeSubscription(subscriptionId: string, idempotencyKey: string): Promise<SubscriptionSnapshot>;

  /** Creates the provider's customer for one app user (external_ref). */
  createCustomer(input: CreateCustomerInput): Promise<CustomerSnapshot>;

  /**
   * Verifies a webhook delivery on its exact raw bytes and interprets it.
   * @throws WebhookVerificationError for a missing/bad signature, a stale timestamp or a malformed body.
   */
  parseWebhook(rawBody: Buffer, headers: RequestHeaders): ProviderEvent;

  /**
   * Interprets an event already verified and stored in the inbox (webhook replay).
   * Must give the same result parseWebhook gave for it.
   */
  interpretEvent(payload: RawObject): ProviderEvent;

  /**
   * Lists the events the provider created since a time, newest first, one page
   * at a time (reconciliation, DESIGN §6.1). Each event is interpreted exactly as
   * parseWebhook would have interpreted its delivery. Stripe keeps 30 days of
   * events; the sandbox lists its own log of what it sent or would have sent.
   */
  listEvents(input: ListEventsInput): Promise<ProviderEventPage>;

  /**
   * Looks one object up at the provider and, when it has moved on from the state
   * we hold (a checkout session no longer open, a payment no longer pending),
   * returns that state as an event of the provider's own shape — the event a
   * delivery would have brought — with a deterministic id, so that it passes
   * through the inbox once. null when it is still open / pending.
   */
  currentStateEvent(ref: StaleObjectRef): Promise<ProviderEvent | null>;
}
