import { Injectable } from '@nestjs/common';
import { ProviderError } from '../payment-provider.errors';
import { addInterval, SandboxClock } from './sandbox-clock';
import type {
  SandboxCharge,
  SandboxCheckoutSession,
  SandboxEvent,
  SandboxEventType,
  SandboxInvoice,
  SandboxMetadata,
  SandboxObject,
  SandboxPaymentIntent,
  SandboxRefund,
  SandboxSubscription,
  UnixSeconds,
} from './sandbox-objects.types';
import { SandboxStore } from './sandbox.store';
import { buildSandboxEvent } from './sandbox-webhook.sender';

/** The message Stripe's test card 4000 0000 0000 0002 gives. */
export const DECLINE_MESSAGE = 'Your card was declined.';

export interface PaymentParty {
  amount: number;
  currency: string;
  customer: string | null;
  description: string | null;
  invoice: string | null;
  metadata: SandboxMetadata;
}

/**
 * The money movements the sandbox makes, shared by its API (provider), its
 * hosted page and its simulations: payments and charges, subscriptions and
 * their invoices, refunds. Mutates the store; callers send the events.
 */
@Injectable()
export class SandboxLedger {
  constructor(
    private readonly store: SandboxStore,
    private readonly clock: SandboxClock,
  ) {}

  /** An event carrying a copy of the object as it is now (the JSON is frozen here). */
  event(
    type: SandboxEventType,
    object: SandboxObject,
    created: UnixSeconds = this.clock.now(),
  ): SandboxEvent {
    return buildSandboxEvent(this.store.newId('evt'), type, object, created);
  }

  /** A succeeded payment: the intent (reused when an earlier attempt was declined) and its charge. */
  succeedPayment(
    party: PaymentParty,
    existing?: SandboxPaymentIntent,
    at: UnixSeconds = this.clock.now(),
  ): { paymentIntent: SandboxPaymentIntent; charge: SandboxCharge } {
    const paymentIntent = existing ?? this.newPaymentIntent(party, at);
    const charge = this.newCharge(paymentIntent, party, 'succeeded', at);
    paymentIntent.status = 'succeeded';
    paymentIntent.latest_charge = charge.id;
    paymentIntent.last_payment_error = null;
    return { paymentIntent, charge };
  }

  /** A declined attempt: a failed charge; the intent waits for another payment method. */
  declinePayment(party: PaymentParty, existing?: SandboxPaymentIntent): SandboxPaymentIntent {
    const at = this.clock.now();
    const paymentIntent = existing ?? this.newPaymentIntent(party, at);
    const charge = this.newCharge(paymentIntent, party, 'failed', at);
    paymentIntent.status = 'requires_payment_method';
    paymentIntent.latest_charge = charge.id;
    paymentIntent.last_payment_error = {
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: DECLINE_MESSAGE,
    };
    return paymentIntent;
  }

  /** Starts a subscription from a session in subscription mode, with its first invoice paid. */
  startSubscription(
    session: SandboxCheckoutSession,
    customer: string,
  ): { subscription: SandboxSubscription; invoice: SandboxInvoice } {
    const now = this.clock.now();
    const interval = session.price.interval ?? 'month';
    const subscription: SandboxSubscription = {
      id: this.store.newId('sub'),
      object: 'subscription',
      created: now,
      customer,
      status: 'active',
      price: { ...session.price },
      quantity: session.quantity,
      billing_cycle_anchor: now,
      current_period_start: now,
      current_period_end: addInterval(now, interval, 1),
      cancel_at_period_end: false,
      cancel_at: null,
      canceled_at: null,
      ended_at: null,
      trial_end: null,
      latest_invoice: null,
      metadata: { ...session.metadata },
    };
    this.store.subscriptions.set(subscription.id, subscription);
    const invoice = this.payInvoice(subscription, 'subscription_create', now);
    return { subscription, invoice };
  }

  /** Moves a subscription into its next period and pays that period's invoice. */
  renewSubscription(subscription: SandboxSubscription): SandboxInvoice {
    const interval = subscription.price.interval ?? 'month';
    const start = subscription.current_period_end;
    let count = 1;
    while (addInterval(subscription.billing_cycle_anchor, interval, count) <= start) count++;
    subscription.current_period_start = start;
    subscription.current_period_end = addInterval(
      subscription.billing_cycle_anchor,
      interval,
      count,
    );
    return this.payInvoice(subscription, 'subscription_cycle', start);
  }

  /** Ends a subscription that was set to cancel, at its period end. */
  endSubscription(subscription: SandboxSubscription): void {
    subscription.status = 'canceled';
    subscription.ended_at = subscription.current_period_end;
    subscription.canceled_at ??= subscription.current_period_end;
  }

  /**
   * The charge a refund or a dispute is about: the one named, or the intent's
   * latest. Throws Stripe-like invalid_request errors; simulations check first.
   */
  chargeFor(paymentIntentId: string | null, chargeId: string | null): SandboxCharge {
    if (chargeId) {
      const charge = this.store.charges.get(chargeId);
      if (!charge)
        throw new ProviderError(
          'invalid_request',
          `No such charge: '${chargeId}'`,
          'resource_missing',
        );
      return charge;
    }
    if (!paymentIntentId) {
      throw new ProviderError(
        'invalid_request',
        'One of `payment_intent` or `charge` is required.',
        'parameter_missing',
      );
    }
    const paymentIntent = this.store.paymentIntents.get(paymentIntentId);
    if (!paymentIntent) {
      throw new ProviderError(
        'invalid_request',
        `No such payment_intent: '${paymentIntentId}'`,
        'resource_missing',
      );
    }
    const charge = paymentIntent.latest_charge
      ? this.store.charges.get(paymentIntent.latest_charge)
      : undefined;
    if (paymentIntent.status !== 'succeeded' || !charge) {
      throw new ProviderError(
        'invalid_request',
        `This PaymentIntent (${paymentIntentId}) does not have a successful charge to refund.`,
      );
    }
    return charge;
  }

  /**
   * An immediately succeeded refund of `amount` (default: what remains).
   * @throws ProviderError invalid_request for a non-positive amount or more than remains
   */
  refund(
    charge: SandboxCharge,
    amount: number | undefined,
    reason: SandboxRefund['reason'],
    metadata: SandboxMetadata,
  ): SandboxRefund {
    const remaining = charge.amount - charge.amount_refunded;
    if (charge.status !== 'succeeded') {
      throw new ProviderError(
        'invalid_request',
        `Charge ${charge.id} did not succeed and cannot be refunded.`,
      );
    }
    if (remaining <= 0) {
      throw new ProviderError(
        'invalid_request',
        `Charge ${charge.id} has already been refunded.`,
        'charge_already_refunded',
      );
    }
    const value = amount ?? remaining;
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new ProviderError(
        'invalid_request',
        `Invalid positive integer: refund amount ${value}`,
        'parameter_invalid_integer',
      );
    }
    if (value > remaining) {
      throw new ProviderError(
        'invalid_request',
        `Refund amount (${value}) is greater than unrefunded amount on charge (${remaining})`,
        'amount_too_large',
      );
    }
    const refund: SandboxRefund = {
      id: this.store.newId('re'),
      object: 'refund',
      created: this.clock.now(),
      amount: value,
      currency: charge.currency,
      status: 'succeeded',
      reason,
      charge: charge.id,
      payment_intent: charge.payment_intent,
      failure_reason: null,
      metadata: { ...metadata },
    };
    this.store.refunds.set(refund.id, refund);
    charge.amount_refunded += value;
    charge.refunded = charge.amount_refunded >= charge.amount;
    charge.refunds.push({ ...refund, metadata: { ...refund.metadata } });
    return refund;
  }

  private payInvoice(
    subscription: SandboxSubscription,
    billingReason: SandboxInvoice['billing_reason'],
    at: UnixSeconds,
  ): SandboxInvoice {
    const amount = subscription.price.amount * subscription.quantity;
    const invoice: SandboxInvoice = {
      id: this.store.newId('in'),
      object: 'invoice',
      created: at,
      customer: subscription.customer,
      subscription: subscription.id,
      payment_intent: null,
      charge: null,
      amount_due: amount,
      amount_paid: amount,
      currency: subscription.price.currency,
      status: 'paid',
      billing_reason: billingReason,
      period_start: subscription.current_period_start,
      period_end: subscription.current_period_end,
    };
    const { paymentIntent, charge } = this.succeedPayment(
      {
        amount,
        currency: invoice.currency,
        customer: subscription.customer,
        description: subscription.price.name,
        invoice: invoice.id,
        metadata: { ...subscription.metadata },
      },
      undefined,
      at,
    );
    invoice.payment_intent = paymentIntent.id;
    invoice.charge = charge.id;
    this.store.invoices.set(invoice.id, invoice);
    subscription.latest_invoice = invoice.id;
    return invoice;
  }

  private newPaymentIntent(party: PaymentParty, at: UnixSeconds): SandboxPaymentIntent {
    const paymentIntent: SandboxPaymentIntent = {
      id: this.store.newId('pi'),
      object: 'payment_intent',
      created: at,
      amount: party.amount,
      currency: party.currency,
      status: 'requires_payment_method',
      customer: party.customer,
      description: party.description,
      invoice: party.invoice,
      latest_charge: null,
      last_payment_error: null,
      metadata: { ...party.metadata },
    };
    this.store.paymentIntents.set(paymentIntent.id, paymentIntent);
    return paymentIntent;
  }

  private newCharge(
    paymentIntent: SandboxPaymentIntent,
    party: PaymentParty,
    status: SandboxCharge['status'],
    at: UnixSeconds,
  ): SandboxCharge {
    const charge: SandboxCharge = {
      id: this.store.newId('ch'),
      object: 'charge',
      created: at,
      amount: paymentIntent.amount,
      amount_refunded: 0,
      currency: paymentIntent.currency,
      status,
      paid: status === 'succeeded',
      refunded: false,
      disputed: false,
      payment_intent: paymentIntent.id,
      customer: party.customer,
      invoice: party.invoice,
      description: party.description,
      failure_code: status === 'failed' ? 'card_declined' : null,
      failure_message: status === 'failed' ? DECLINE_MESSAGE : null,
      refunds: [],
      metadata: { ...party.metadata },
    };
    this.store.charges.set(charge.id, charge);
    return charge;
  }
}
