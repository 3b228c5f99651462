import Stripe from 'stripe';
import type { StripeConfig } from '../../config/app-config';
import {
  ProviderError,
  UnreadableWebhookError,
  WebhookVerificationError,
} from '../payment-provider.errors';
import type { PaymentProvider, RequestHeaders } from '../payment-provider.interface';
import {
  PROVIDER_REFUND_REASONS,
  type CheckoutSessionSnapshot,
  type CreateCheckoutSessionInput,
  type CreateCustomerInput,
  type CreateRefundInput,
  type CustomerSnapshot,
  type FindCheckoutSessionInput,
  type FindRefundInput,
  type ListEventsInput,
  type Metadata,
  type PaymentSnapshot,
  type ProviderEvent,
  type ProviderEventPage,
  type ProviderRefundReason,
  type RawObject,
  type RefundSnapshot,
  type StaleObjectRef,
  type SubscriptionSnapshot,
} from '../payment-provider.types';
import { interpretStripeEvent } from './stripe-event.mapper';
import { AttemptTrackingHttpClient, trackAttempts } from './stripe-attempts';
import { translateStripeError } from './stripe-errors';
import {
  StripePayloadError,
  isJsonObject,
  toCheckoutSessionSnapshot,
  toPaymentSnapshot,
  toRefundSnapshot,
  toSubscriptionSnapshot,
} from './stripe-object.mapper';

/** How long and how often the SDK tries one call. */
export interface StripeClientTuning {
  timeoutMs: number;
  /** Retries of connection failures, 409 and 5xx; safe because every mutating call has an idempotency key. */
  maxNetworkRetries: number;
}

/** One quick retry hides a network blip; past that, the caller gets 503 and retries with the same key. */
export const DEFAULT_STRIPE_CLIENT_TUNING: StripeClientTuning = {
  timeoutMs: 15_000,
  maxNetworkRetries: 1,
};

/** SDK objects are interfaces without an index signature; the mappers read them as plain JSON. */
function asRaw(object: object): RawObject {
  return object as RawObject;
}

function isProviderRefundReason(reason: unknown): reason is ProviderRefundReason {
  return PROVIDER_REFUND_REASONS.some((accepted) => accepted === reason);
}

/** Where the SDK sends requests: Stripe's API, or STRIPE_API_BASE (stripe-mock, a proxy). */
function endpointOf(
  apiBase: URL | undefined,
): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!apiBase) return {};
  if (apiBase.pathname !== '/' && apiBase.pathname !== '') {
    // The SDK always requests /v1/…; a base path would be silently dropped.
    throw new Error(`STRIPE_API_BASE must not have a path, got "${apiBase.pathname}"`);
  }
  const protocol = apiBase.protocol === 'http:' ? 'http' : 'https';
  return {
    // URL keeps IPv6 literals in brackets; Node's http.request wants them bare.
    host: apiBase.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: apiBase.port || (protocol === 'http' ? 80 : 443),
    protocol,
  };
}

/** The Stripe adapter (DESIGN §5): Checkout Sessions, refunds, subscriptions, signed webhooks. */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe';
  private readonly stripe: Stripe;

  constructor(
    private readonly config: StripeConfig,
    tuning: StripeClientTuning = DEFAULT_STRIPE_CLIENT_TUNING,
  ) {
    this.stripe = new Stripe(config.secretKey, {
      timeout: tuning.timeoutMs,
      maxNetworkRetries: tuning.maxNetworkRetries,
      httpClient: new AttemptTrackingHttpClient(),
      ...endpointOf(config.apiBase),
    });
  }

  async createCheckoutSession(input: CreateCheckoutSessionInput): Promise<CheckoutSessionSnapshot> {
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: input.mode,
      line_items: [{ price: input.priceId, quantity: input.quantity }],
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
    };
    if (input.providerCustomerId) params.customer = input.providerCustomerId;
    else if (input.customerEmail) params.customer_email = input.customerEmail;
    if (input.clientReferenceId) params.client_reference_id = input.clientReferenceId;
    if (hasEntries(input.metadata)) {
      params.metadata = { ...input.metadata };
      // Copied onto the payment intent / subscription so that their own events carry our references.
      if (input.mode === 'payment')
        params.payment_intent_data = { metadata: { ...input.metadata } };
      else params.subscription_data = { metadata: { ...input.metadata } };
    }
    return this.call(async () => {
      const session = await this.stripe.checkout.sessions.create(params, {
        idempotencyKey: input.idempotencyKey,
      });
      return toCheckoutSessionSnapshot(asRaw(session));
    });
  }

  async retrievePayment(paymentIntentId: string): Promise<PaymentSnapshot> {
    return this.call(async () => {
      const paymentIntent = await this.stripe.paymentIntents.retrieve(paymentIntentId);
      return toPaymentSnapshot(asRaw(paymentIntent));
    });
  }

  async createRefund(input: CreateRefundInput): Promise<RefundSnapshot> {
    const params: Stripe.RefundCreateParams = { amount: input.amount };
    // Refunding the payment intent refunds its successful charge, whichever attempt that was.
    if (input.paymentIntentId) params.payment_intent = input.paymentIntentId;
    else if (input.chargeId) params.charge = input.chargeId;
    else
      throw new ProviderError(
        'invalid_request',
        'A refund needs a payment intent or a charge to refund',
      );
    // Stripe answers 400 to any other reason; free text stays local (and in metadata if the caller put it there).
    if (isProviderRefundReason(input.reason)) params.reason = input.reason;
    if (hasEntries(input.metadata)) params.metadata = { ...input.metadata };
    return this.call(async () => {
      const refund = await this.stripe.refunds.create(params, {
        idempotencyKey: input.idempotencyKey,
      });
      return toRefundSnapshot(asRaw(refund));
    });
  }

  /** Lists the payment's refunds (newest first, 100 a page) and matches our metadata. */
  async findRefund(input: FindRefundInput): Promise<RefundSnapshot | null> {
    const params: Stripe.RefundListParams = { limit: 100 };
    if (input.paymentIntentId) params.payment_intent = input.paymentIntentId;
    else if (input.chargeId) params.charge = input.chargeId;
    else
      throw new ProviderError(
        'invalid_request',
        'A refund lookup needs a payment intent or a charge',
      );
    for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
      const list = await this.call(() => this.stripe.refunds.list(params));
      const found = list.data.find((refund) => metadataMatches(refund.metadata, input.metadata));
      if (found) return this.call(async () => toRefundSnapshot(asRaw(found)));
      const last = list.data.at(-1);
      if (!list.has_more || !last) return null;
      params.starting_after = last.id;
    }
    throw new ProviderError(
      'provider_error',
      `The payment has more than ${MAX_LOOKUP_PAGES * 100} refunds; the lookup gave up`,
      undefined,
      'unknown',
    );
  }

  /** Lists the sessions created since the time (newest first, 100 a page) and matches our metadata. */
  async findCheckoutSession(
    input: FindCheckoutSessionInput,
  ): Promise<CheckoutSessionSnapshot | null> {
    const params: Stripe.Checkout.SessionListParams = {
      limit: 100,
      created: { gte: Math.floor(input.createdSince.getTime() / 1000) },
    };
    for (let page = 0; page < MAX_LOOKUP_PAGES; page++) {
      const list = await this.call(() => this.stripe.checkout.sessions.list(params));
      const found = list.data.find((session) => metadataMatches(session.metadata, input.metadata));
      if (found) return this.call(async () => toCheckoutSessionSnapshot(asRaw(found)));
      const last = list.data.at(-1);
      if (!list.has_more || !last) return null;
      params.starting_after = last.id;
    }
    throw new ProviderError(
      'provider_error',
      `More than ${MAX_LOOKUP_PAGES * 100} checkout sessions were created since ${input.createdSince.toISOString()}; the lookup gave up`,
      undefined,
      'unknown',
    );
  }

  async cancelSubscriptionAtPeriodEnd(
    subscriptionId: string,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot> {
    return this.updateSubscription(subscriptionId, { cancel_at_period_end: true }, idempotencyKey);
  }

  async resumeSubscription(
    subscriptionId: string,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot> {
    return this.updateSubscription(subscriptionId, { cancel_at_period_end: false }, idempotencyKey);
  }

  async createCustomer(input: CreateCustomerInput): Promise<CustomerSnapshot> {
    const params: Stripe.CustomerCreateParams = { metadata: { external_ref: input.externalRef } };
    if (input.email) params.email = input.email;
    return this.call(async () => {
      const customer = await this.stripe.customers.create(params, {
        idempotencyKey: input.idempotencyKey,
      });
      if (typeof customer.id !== 'string') {
        throw new StripePayloadError('Stripe customer has no id');
      }
      return { id: customer.id, email: customer.email ?? null };
    });
  }

  parseWebhook(rawBody: Buffer, headers: RequestHeaders): ProviderEvent {
    const signature = signatureHeaderOf(headers);
    if (rawBody.length === 0) throw new WebhookVerificationError('Webhook body is empty');
    if (this.config.webhookSecrets.length === 0) {
      throw new WebhookVerificationError('No Stripe webhook secret is configured');
    }

    // Several secrets are accepted while one is being rotated; any match verifies the delivery.
    const failures: string[] = [];
    let event: unknown;
    let verified = false;
    for (const secret of this.config.webhookSecrets) {
      try {
        event = this.stripe.webhooks.constructEvent(
          rawBody,
          signature,
          secret,
          this.config.webhookToleranceSeconds,
        );
        verified = true;
        break;
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
          failures.push(error.message);
          continue;
        }
        // The signature matched; what failed is reading the body (constructEvent parses after verifying).
        if (error instanceof SyntaxError) {
          throw new WebhookVerificationError('Webhook body is not valid JSON');
        }
        throw new WebhookVerificationError(
          `Webhook body is not a Stripe event: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    if (!verified) throw new WebhookVerificationError(this.describeFailure(failures));
    this.refuseFutureTimestamp(signature);
    if (!isJsonObject(event))
      throw new WebhookVerificationError('Webhook body is not a Stripe event');
    try {
      return interpretStripeEvent(event);
    } catch (error) {
      // Verified, so stored whatever it contains (DESIGN §6.1): failed with the reason, replayable.
      if (error instanceof StripePayloadError) {
        throw new UnreadableWebhookError(`Malformed Stripe event: ${error.message}`, event);
      }
      throw error;
    }
  }

  interpretEvent(payload: RawObject): ProviderEvent {
    return this.interpret(payload);
  }

  async currentStateEvent(ref: StaleObjectRef): Promise<ProviderEvent | null> {
    const object: RawObject = await this.call(async () =>
      asRaw(
        ref.kind === 'checkout_session'
          ? await this.stripe.checkout.sessions.retrieve(ref.id)
          : await this.stripe.paymentIntents.retrieve(ref.id),
      ),
    );
    const type = currentStateEventType(ref.kind, object);
    if (!type) return null;
    return this.interpret({
      id: `evt_sync_${ref.id}_${type}`,
      object: 'event',
      type,
      created: Math.floor(Date.now() / 1000),
      data: { object },
      livemode: object.livemode ?? false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
    });
  }

  /** The Events API (30 days kept): `created[gte]`, newest first, paged by `starting_after`. */
  async listEvents(input: ListEventsInput): Promise<ProviderEventPage> {
    const params: Stripe.EventListParams = {
      created: { gte: Math.floor(input.since.getTime() / 1000) },
      limit: Math.min(Math.max(input.limit ?? 100, 1), 100),
    };
    if (input.cursor) params.starting_after = input.cursor;
    const page = await this.call(() => this.stripe.events.list(params));
    const events: ProviderEvent[] = [];
    const unreadable: { id: string; error: string }[] = [];
    for (const event of page.data) {
      try {
        events.push(this.interpret(asRaw(event)));
      } catch (error) {
        unreadable.push({ id: String(event.id), error: (error as Error).message });
      }
    }
    const last = page.data.at(-1);
    return { events, unreadable, nextCursor: page.has_more && last ? last.id : null };
  }

  private interpret(payload: RawObject): ProviderEvent {
    try {
      return interpretStripeEvent(payload);
    } catch (error) {
      if (error instanceof StripePayloadError) {
        throw new WebhookVerificationError(`Malformed Stripe event: ${error.message}`);
      }
      throw error;
    }
  }

  /**
   * The SDK checks only the past side of the tolerance; a signature dated in the
   * future (a clock far ahead, or a replay prepared in advance) is refused too.
   */
  private refuseFutureTimestamp(signature: string): void {
    const timestamp = Number(/(?:^|,)\s*t=(\d+)/.exec(signature)?.[1]);
    const tolerance = this.config.webhookToleranceSeconds;
    if (Number.isFinite(timestamp) && timestamp - Date.now() / 1000 > tolerance) {
      throw new WebhookVerificationError(
        `Stripe-Signature timestamp is more than the ${tolerance}-second tolerance in the future`,
      );
    }
  }

  /**
   * One message for the whole secret list. Stripe checks the signature before the timestamp, so a
   * stale-timestamp failure means one secret did match: that is the most useful thing to report.
   */
  private describeFailure(failures: string[]): string {
    if (failures.some((message) => message.startsWith('Timestamp outside the tolerance zone'))) {
      return `Stripe-Signature timestamp is older than the ${this.config.webhookToleranceSeconds}-second tolerance`;
    }
    if (
      failures.some(
        (message) =>
          message.startsWith('Unable to extract timestamp and signatures') ||
          message.startsWith('No signatures found with expected scheme'),
      )
    ) {
      return 'Stripe-Signature header is malformed';
    }
    return 'Stripe-Signature does not match the body for any configured webhook secret';
  }

  private async updateSubscription(
    subscriptionId: string,
    params: Stripe.SubscriptionUpdateParams,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot> {
    return this.call(async () => {
      const subscription = await this.stripe.subscriptions.update(subscriptionId, params, {
        idempotencyKey,
      });
      return toSubscriptionSnapshot(asRaw(subscription));
    });
  }

  private async call<T>(operation: () => Promise<T>): Promise<T> {
    const tracked = trackAttempts(operation);
    try {
      return await tracked.result;
    } catch (error) {
      throw translateStripeError(error, tracked.attempts.maybeProcessed);
    }
  }
}

/** The Stripe event type that brings a looked-up object's current state; null while still open/pending. */
function currentStateEventType(kind: StaleObjectRef['kind'], object: RawObject): string | null {
  if (kind === 'checkout_session') {
    if (object.status === 'expired') return 'checkout.session.expired';
    if (object.status === 'complete') return 'checkout.session.completed';
    return null;
  }
  if (object.status === 'succeeded') return 'payment_intent.succeeded';
  if (object.status === 'requires_payment_method' && object.last_payment_error)
    return 'payment_intent.payment_failed';
  return null;
}

/** Pages a lookup reads before giving up (100 objects a page). */
const MAX_LOOKUP_PAGES = 50;

function metadataMatches(actual: Stripe.Metadata | null | undefined, wanted: Metadata): boolean {
  return Object.entries(wanted).every(([key, value]) => actual?.[key] === value);
}

function hasEntries(metadata: Metadata | undefined): metadata is Metadata {
  return metadata !== undefined && Object.keys(metadata).length > 0;
}

/** Node lower-cases header names; a repeated header arrives as an array and Stripe's format is a comma list. */
function signatureHeaderOf(headers: RequestHeaders): string {
  const value = headers['stripe-signature'];
  const joined = Array.isArray(value) ? value.join(',') : value;
  if (joined === undefined || joined.trim() === '') {
    throw new WebhookVerificationError('Missing Stripe-Signature header');
  }
  return joined;
}
