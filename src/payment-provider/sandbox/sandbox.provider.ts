import { Inject, Injectable, Optional } from '@nestjs/common';
import {
  ProviderError,
  UnreadableWebhookError,
  WebhookVerificationError,
} from '../payment-provider.errors';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
import type { PaymentProvider, RequestHeaders } from '../payment-provider.interface';
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
  ProviderEvent,
  ProviderEventPage,
  RawObject,
  RefundSnapshot,
  StaleObjectRef,
  SubscriptionSnapshot,
} from '../payment-provider.types';
import { SandboxCatalog } from './sandbox-catalog';
import { SandboxClock } from './sandbox-clock';
import {
  interpretSandboxEvent,
  toCheckoutSessionSnapshot,
  toCustomerSnapshot,
  toPaymentSnapshot,
  toRefundSnapshot,
  toSubscriptionSnapshot,
} from './sandbox-event.mapper';
import type {
  SandboxCheckoutSession,
  SandboxCustomer,
  SandboxEventType,
  SandboxObject,
  SandboxSubscription,
} from './sandbox-objects.types';
import { SANDBOX_OPTIONS, type SandboxOptions } from './sandbox.options';
import { SandboxLedger } from './sandbox.ledger';
import { SandboxStore } from './sandbox.store';
import { SANDBOX_SIGNATURE_HEADER, verifySandboxSignature } from './sandbox-signature';
import {
  buildSandboxEvent,
  SANDBOX_EVENT_SINK,
  type SandboxEventSink,
} from './sandbox-webhook.sender';
import { SANDBOX_EVENT_LOG, type SandboxEventLog } from './sandbox-event.log';

/** A checkout session is payable for 24 hours, as on Stripe. */
export const SESSION_LIFETIME_SECONDS = 24 * 60 * 60;

/** Hosted page of a session, under PUBLIC_BASE_URL. */
export const SANDBOX_CHECKOUT_PATH = '/sandbox/checkout';

const asRaw = (object: SandboxObject): RawObject => object as unknown as RawObject;

/**
 * The offline provider (DESIGN §5). Answers like a payment provider from its
 * store (PostgreSQL in the service, see PostgresSandboxStore) and sends signed webhook events to our own webhook route,
 * after returning, as a real provider does.
 */
@Injectable()
export class SandboxPaymentProvider implements PaymentProvider {
  readonly name = 'sandbox';

  constructor(
    private readonly store: SandboxStore,
    private readonly catalog: SandboxCatalog,
    private readonly clock: SandboxClock,
    private readonly ledger: SandboxLedger,
    @Inject(SANDBOX_EVENT_SINK) private readonly events: SandboxEventSink,
    @Inject(SANDBOX_OPTIONS) private readonly options: SandboxOptions,
    @Optional() @Inject(SANDBOX_EVENT_LOG) private readonly log?: SandboxEventLog,
  ) {}

  async createCheckoutSession(input: CreateCheckoutSessionInput): Promise<CheckoutSessionSnapshot> {
    const { idempotencyKey, ...params } = input;
    return this.store.once('checkout', idempotencyKey, params, () => {
      const price = this.catalog.priceForMode(input.priceId, input.mode);
      if (!Number.isSafeInteger(input.quantity) || input.quantity < 1) {
        throw new ProviderError(
          'invalid_request',
          `Invalid quantity: ${input.quantity}`,
          'parameter_invalid_integer',
        );
      }
      if (!input.successUrl || !input.cancelUrl) {
        throw new ProviderError(
          'invalid_request',
          'success_url and cancel_url are required.',
          'parameter_missing',
        );
      }
      const customer = input.providerCustomerId ? this.customer(input.providerCustomerId) : null;
      const now = this.clock.now();
      const id = this.store.newId('cs');
      const session: SandboxCheckoutSession = {
        id,
        object: 'checkout.session',
        created: now,
        mode: input.mode,
        status: 'open',
        payment_status: 'unpaid',
        url: `${this.options.publicBaseUrl}${SANDBOX_CHECKOUT_PATH}/${id}`,
        expires_at: now + SESSION_LIFETIME_SECONDS,
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        price,
        quantity: input.quantity,
        amount_total: price.amount * input.quantity,
        currency: price.currency,
        customer: customer?.id ?? null,
        customer_email: customer?.email ?? input.customerEmail ?? null,
        client_reference_id: input.clientReferenceId ?? null,
        payment_intent: null,
        subscription: null,
        invoice: null,
        metadata: { ...input.metadata },
      };
      this.store.sessions.set(id, session);
      return toCheckoutSessionSnapshot(asRaw(session));
    });
  }

  async retrievePayment(paymentIntentId: string): Promise<PaymentSnapshot> {
    await this.store.refresh();
    const paymentIntent = this.store.paymentIntents.get(paymentIntentId);
    if (!paymentIntent) {
      throw new ProviderError(
        'invalid_request',
        `No such payment_intent: '${paymentIntentId}'`,
        'resource_missing',
      );
    }
    return toPaymentSnapshot(asRaw(paymentIntent));
  }

  async createRefund(input: CreateRefundInput): Promise<RefundSnapshot> {
    const { idempotencyKey, ...params } = input;
    return this.store.once('refund', idempotencyKey, params, () => {
      const charge = this.ledger.chargeFor(input.paymentIntentId, input.chargeId);
      const refund = this.ledger.refund(charge, input.amount, input.reason ?? null, input.metadata);
      const events = [
        this.ledger.event('refund.created', refund),
        this.ledger.event('charge.refunded', charge),
      ];
      this.store.afterCommit(() => this.events.sendLater(events));
      return toRefundSnapshot(asRaw(refund));
    });
  }

  async findRefund(input: FindRefundInput): Promise<RefundSnapshot | null> {
    await this.store.refresh();
    for (const refund of this.store.refunds.values()) {
      const samePayment = input.paymentIntentId
        ? refund.payment_intent === input.paymentIntentId
        : refund.charge === input.chargeId;
      if (samePayment && metadataMatches(refund.metadata, input.metadata))
        return toRefundSnapshot(asRaw(refund));
    }
    return null;
  }

  async findCheckoutSession(
    input: FindCheckoutSessionInput,
  ): Promise<CheckoutSessionSnapshot | null> {
    await this.store.refresh();
    const since = Math.floor(input.createdSince.getTime() / 1000);
    for (const session of this.store.sessions.values()) {
      if (session.created >= since && metadataMatches(session.metadata, input.metadata))
        return toCheckoutSessionSnapshot(asRaw(session));
    }
    return null;
  }

  async cancelSubscriptionAtPeriodEnd(
    subscriptionId: string,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot> {
    return this.store.once('cancel', idempotencyKey, subscriptionId, () =>
      this.updateSubscription(subscriptionId, (subscription) => {
        if (subscription.cancel_at_period_end) return false;
        subscription.cancel_at_period_end = true;
        subscription.cancel_at = subscription.current_period_end;
        subscription.canceled_at = this.clock.now();
        return true;
      }),
    );
  }

  async resumeSubscription(
    subscriptionId: string,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot> {
    return this.store.once('resume', idempotencyKey, subscriptionId, () =>
      this.updateSubscription(subscriptionId, (subscription) => {
        if (!subscription.cancel_at_period_end) return false;
        subscription.cancel_at_period_end = false;
        subscription.cancel_at = null;
        subscription.canceled_at = null;
        return true;
      }),
    );
  }

  async createCustomer(input: CreateCustomerInput): Promise<CustomerSnapshot> {
    const { idempotencyKey, ...params } = input;
    return this.store.once('customer', idempotencyKey, params, () => {
      const customer: SandboxCustomer = {
        id: this.store.newId('cus'),
        object: 'customer',
        created: this.clock.now(),
        email: input.email ?? null,
        metadata: { external_ref: input.externalRef },
      };
      this.store.customers.set(customer.id, customer);
      return toCustomerSnapshot(asRaw(customer));
    });
  }

  parseWebhook(rawBody: Buffer, headers: RequestHeaders): ProviderEvent {
    verifySandboxSignature(rawBody, headers[SANDBOX_SIGNATURE_HEADER], this.options.webhookSecret);
    let payload: unknown;
    try {
      payload = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new WebhookVerificationError('Malformed sandbox event: the body is not valid JSON');
    }
    try {
      return interpretSandboxEvent(payload);
    } catch (error) {
      // Verified: stored `failed` with the reason (DESIGN §6.1), unless it is not even an object.
      if (error instanceof WebhookVerificationError && isObject(payload)) {
        throw new UnreadableWebhookError(error.message, payload);
      }
      throw error;
    }
  }

  interpretEvent(payload: RawObject): ProviderEvent {
    return interpretSandboxEvent(payload);
  }

  async currentStateEvent(ref: StaleObjectRef): Promise<ProviderEvent | null> {
    await this.store.refresh();
    let type: SandboxEventType | null = null;
    let object: SandboxObject | undefined;
    if (ref.kind === 'checkout_session') {
      const session = this.store.sessions.get(ref.id);
      object = session;
      if (session?.status === 'expired') type = 'checkout.session.expired';
      else if (session?.status === 'complete') type = 'checkout.session.completed';
    } else {
      const paymentIntent = this.store.paymentIntents.get(ref.id);
      object = paymentIntent;
      if (paymentIntent?.status === 'succeeded') type = 'payment_intent.succeeded';
      else if (
        paymentIntent?.status === 'requires_payment_method' &&
        paymentIntent.last_payment_error
      )
        type = 'payment_intent.payment_failed';
    }
    if (!object) {
      throw new ProviderError(
        'invalid_request',
        `No such ${ref.kind}: '${ref.id}'`,
        'resource_missing',
      );
    }
    if (!type) return null;
    const event = buildSandboxEvent(`evt_sync_${ref.id}_${type}`, type, object, this.clock.now());
    return interpretSandboxEvent(JSON.parse(event.body));
  }

  /** The sandbox's event log: what it sent, or would have sent while dropping deliveries. */
  async listEvents(input: ListEventsInput): Promise<ProviderEventPage> {
    if (!this.log) return { events: [], unreadable: [], nextCursor: null };
    const limit = Math.min(Math.max(input.limit ?? 100, 1), 100);
    let before: number | undefined;
    if (input.cursor !== undefined) {
      if (!/^\d+$/.test(input.cursor))
        throw new ProviderError('invalid_request', `Invalid starting_after: '${input.cursor}'`);
      before = Number(input.cursor);
    }
    const rows = await this.log.list(input.since, limit + 1, before);
    const page = rows.slice(0, limit);
    const events: ProviderEvent[] = [];
    const unreadable: { id: string; error: string }[] = [];
    for (const row of page) {
      try {
        events.push(interpretSandboxEvent(JSON.parse(row.body)));
      } catch (error) {
        unreadable.push({ id: row.id, error: (error as Error).message });
      }
    }
    return {
      events,
      unreadable,
      nextCursor: rows.length > limit ? String(page[page.length - 1].seq) : null,
    };
  }

  private customer(customerId: string): SandboxCustomer {
    const customer = this.store.customers.get(customerId);
    if (!customer)
      throw new ProviderError(
        'invalid_request',
        `No such customer: '${customerId}'`,
        'resource_missing',
      );
    return customer;
  }

  /** Applies a change to a live subscription; sends customer.subscription.updated when something changed. */
  private updateSubscription(
    subscriptionId: string,
    change: (subscription: SandboxSubscription) => boolean,
  ): SubscriptionSnapshot {
    const subscription = this.store.subscriptions.get(subscriptionId);
    if (!subscription) {
      throw new ProviderError(
        'invalid_request',
        `No such subscription: '${subscriptionId}'`,
        'resource_missing',
      );
    }
    if (subscription.status === 'canceled') {
      throw new ProviderError(
        'invalid_request',
        'A canceled subscription can only update its cancellation_details and metadata.',
      );
    }
    if (change(subscription)) {
      const events = [this.ledger.event('customer.subscription.updated', subscription)];
      this.store.afterCommit(() => this.events.sendLater(events));
    }
    return toSubscriptionSnapshot(asRaw(subscription));
  }
}

function metadataMatches(actual: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => actual[key] === value);
}
