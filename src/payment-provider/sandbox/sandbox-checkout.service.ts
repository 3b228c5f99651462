import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../../common/domain-error';
import { SandboxClock } from './sandbox-clock';
import type {
  SandboxCheckoutSession,
  SandboxEvent,
  SandboxPaymentIntent,
} from './sandbox-objects.types';
import { type PaymentParty, SandboxLedger } from './sandbox.ledger';
import { SandboxStore } from './sandbox.store';
import {
  SANDBOX_EVENT_SINK,
  type DeliveryReport,
  type SandboxEventSink,
} from './sandbox-webhook.sender';

/** What the hosted page shows or does next. */
export type CheckoutPageOutcome =
  | { kind: 'page'; session: SandboxCheckoutSession }
  | { kind: 'redirect'; url: string }
  | { kind: 'problem'; status: 200 | 404 | 409 | 410; title: string; message: string };

const NOT_FOUND: CheckoutPageOutcome = {
  kind: 'problem',
  status: 404,
  title: 'Checkout not found',
  message: 'This checkout link is not valid: the sandbox does not know this session.',
};

const GONE: CheckoutPageOutcome = {
  kind: 'problem',
  status: 410,
  title: 'Checkout expired',
  message: 'This checkout session has expired. Go back to the shop and start again.',
};

/** Stripe substitutes this template in success_url. */
const SESSION_ID_TEMPLATES = ['{CHECKOUT_SESSION_ID}', '%7BCHECKOUT_SESSION_ID%7D'];

export function successUrlFor(session: SandboxCheckoutSession): string {
  return SESSION_ID_TEMPLATES.reduce(
    (url, template) => url.split(template).join(session.id),
    session.success_url,
  );
}

/**
 * What the buyer does on the hosted page: pay, decline, or let it expire.
 * Events are delivered (awaited) before the redirect, so that the success page
 * usually finds the payment already confirmed.
 */
@Injectable()
export class SandboxCheckoutService {
  constructor(
    private readonly store: SandboxStore,
    private readonly clock: SandboxClock,
    private readonly ledger: SandboxLedger,
    @Inject(SANDBOX_EVENT_SINK) private readonly events: SandboxEventSink,
  ) {}

  async view(sessionId: string): Promise<CheckoutPageOutcome> {
    const session = await this.current(sessionId);
    if (!session) return NOT_FOUND;
    if (session.status === 'expired') return GONE;
    if (session.status === 'complete') {
      return {
        kind: 'problem',
        status: 200,
        title: 'Payment complete',
        message: 'This checkout session is already paid.',
      };
    }
    return { kind: 'page', session };
  }

  async pay(sessionId: string): Promise<CheckoutPageOutcome> {
    const found = await this.current(sessionId);
    if (!found) return NOT_FOUND;
    if (found.status === 'expired') return GONE;
    // One unit of work under the store's lock: of two concurrent clicks (or
    // instances), the second finds the session complete and charges nothing.
    const { session, events } = await this.store.mutate(() => {
      const session = this.store.sessions.get(sessionId)!;
      // A second click on Pay (or a reload) must not charge twice.
      if (session.status !== 'open') return { session, events: [] };
      const events =
        session.mode === 'payment' ? this.payOneOff(session) : this.startSubscription(session);
      return { session, events };
    });
    if (session.status === 'expired') return GONE;
    await this.events.send(events);
    return { kind: 'redirect', url: successUrlFor(session) };
  }

  async decline(sessionId: string): Promise<CheckoutPageOutcome> {
    const found = await this.current(sessionId);
    if (!found) return NOT_FOUND;
    if (found.status === 'expired') return GONE;
    const declined = await this.store.mutate(() => {
      const session = this.store.sessions.get(sessionId)!;
      if (session.status !== 'open') return { session, events: [] };
      const paymentIntent = this.ledger.declinePayment(...this.paymentOf(session));
      // In subscription mode Stripe keeps the session's payment_intent null.
      if (session.mode === 'payment') session.payment_intent = paymentIntent.id;
      return {
        session,
        events: [this.ledger.event('payment_intent.payment_failed', paymentIntent)],
      };
    });
    const { session } = declined;
    if (session.status === 'expired') return GONE;
    if (session.status === 'complete') {
      return {
        kind: 'problem',
        status: 409,
        title: 'Already paid',
        message: 'This checkout session is already complete.',
      };
    }
    await this.events.send(declined.events);
    return { kind: 'redirect', url: session.cancel_url };
  }

  /** POST /sandbox/checkout/:id/expire */
  async expire(
    sessionId: string,
  ): Promise<{ session: SandboxCheckoutSession; events: DeliveryReport[] }> {
    const { session, event } = await this.store.mutate(() => {
      const session = this.store.sessions.get(sessionId);
      if (!session) throw new NotFoundError('Checkout session', sessionId);
      if (session.status !== 'open') {
        throw new ConflictError(
          `Checkout session ${sessionId} is ${session.status}; only an open session can be expired`,
        );
      }
      return { session, event: this.expireNow(session, this.clock.now()) };
    });
    return { session, events: await this.events.send([event]) };
  }

  /** Expires open sessions whose time has come (the clock moved); the caller sends the events. */
  expireDue(now: number): { sessionId: string; at: number; event: SandboxEvent }[] {
    return [...this.store.sessions.values()]
      .filter((session) => session.status === 'open' && session.expires_at <= now)
      .map((session) => ({
        sessionId: session.id,
        at: session.expires_at,
        event: this.expireNow(session, session.expires_at),
      }));
  }

  /** The session as stored, expired first (with its event) when its 24 hours are over. */
  private async current(sessionId: string): Promise<SandboxCheckoutSession | undefined> {
    await this.store.refresh();
    const session = this.store.sessions.get(sessionId);
    if (session?.status === 'open' && session.expires_at <= this.clock.now()) {
      const events = await this.store.mutate(() => {
        const due = this.store.sessions.get(sessionId)!;
        return due.status === 'open' && due.expires_at <= this.clock.now()
          ? [this.expireNow(due, due.expires_at)]
          : [];
      });
      await this.events.send(events);
      return this.store.sessions.get(sessionId);
    }
    return session;
  }

  private expireNow(session: SandboxCheckoutSession, at: number): SandboxEvent {
    session.status = 'expired';
    return this.ledger.event('checkout.session.expired', session, at);
  }

  /** What a one-off session charges, and the payment intent an earlier attempt left on it. */
  private paymentOf(
    session: SandboxCheckoutSession,
  ): [PaymentParty, SandboxPaymentIntent | undefined] {
    return [
      {
        amount: session.amount_total,
        currency: session.currency,
        customer: session.customer,
        description: session.price.name,
        invoice: null,
        metadata: session.metadata,
      },
      session.payment_intent ? this.store.paymentIntents.get(session.payment_intent) : undefined,
    ];
  }

  private payOneOff(session: SandboxCheckoutSession): SandboxEvent[] {
    const { paymentIntent } = this.ledger.succeedPayment(...this.paymentOf(session));
    session.payment_intent = paymentIntent.id;
    session.status = 'complete';
    session.payment_status = 'paid';
    return [
      this.ledger.event('payment_intent.succeeded', paymentIntent),
      this.ledger.event('checkout.session.completed', session),
    ];
  }

  private startSubscription(session: SandboxCheckoutSession): SandboxEvent[] {
    // Stripe always attaches a customer to a subscription: create one when the app named none.
    let customerId = session.customer;
    if (!customerId) {
      customerId = this.store.newId('cus');
      this.store.customers.set(customerId, {
        id: customerId,
        object: 'customer',
        created: this.clock.now(),
        email: session.customer_email,
        metadata: session.client_reference_id ? { external_ref: session.client_reference_id } : {},
      });
    }
    const { subscription, invoice } = this.ledger.startSubscription(session, customerId);
    session.customer = customerId;
    session.subscription = subscription.id;
    session.invoice = invoice.id;
    session.status = 'complete';
    session.payment_status = 'paid';
    return [
      this.ledger.event('customer.subscription.created', subscription),
      this.ledger.event('invoice.paid', invoice),
      this.ledger.event('checkout.session.completed', session),
    ];
  }
}
