import type {
  CheckoutCompletedEvent,
  CheckoutExpiredEvent,
  TransactionFailedEvent,
  TransactionSucceededEvent,
} from '../checkout/checkout.events';
import type {
  DisputeClosedEvent,
  DisputeCreatedEvent,
  DisputeDeadlineApproachingEvent,
  DisputeDeadlinePassedEvent,
  DisputeUpdatedEvent,
  FraudWarningCreatedEvent,
} from '../disputes/disputes.events';
import type { RefundCreatedEvent, RefundUpdatedEvent } from '../refunds/refunds.events';
import type {
  InvoicePaidEvent,
  InvoicePaymentFailedEvent,
  SubscriptionCanceledEvent,
  SubscriptionCreatedEvent,
  SubscriptionUpdatedEvent,
} from '../subscriptions/subscriptions.events';
import { PaymentEvents, type PaymentEventName } from './payment-events';

/**
 * Event name → payload type, in one place (DESIGN §7). `@OnPaymentEvent(name)`
 * and `EventOutbox` are typed by it: a listener whose parameter does not accept
 * the event's payload does not compile. (Type-only imports: no runtime
 * dependency from events/ on the features.)
 */
export interface PaymentEventMap {
  [PaymentEvents.CHECKOUT_COMPLETED]: CheckoutCompletedEvent;
  [PaymentEvents.CHECKOUT_EXPIRED]: CheckoutExpiredEvent;
  [PaymentEvents.TRANSACTION_SUCCEEDED]: TransactionSucceededEvent;
  [PaymentEvents.TRANSACTION_FAILED]: TransactionFailedEvent;
  [PaymentEvents.REFUND_CREATED]: RefundCreatedEvent;
  [PaymentEvents.REFUND_UPDATED]: RefundUpdatedEvent;
  [PaymentEvents.SUBSCRIPTION_CREATED]: SubscriptionCreatedEvent;
  [PaymentEvents.SUBSCRIPTION_UPDATED]: SubscriptionUpdatedEvent;
  [PaymentEvents.SUBSCRIPTION_CANCELED]: SubscriptionCanceledEvent;
  [PaymentEvents.INVOICE_PAID]: InvoicePaidEvent;
  [PaymentEvents.INVOICE_PAYMENT_FAILED]: InvoicePaymentFailedEvent;
  [PaymentEvents.DISPUTE_CREATED]: DisputeCreatedEvent;
  [PaymentEvents.DISPUTE_UPDATED]: DisputeUpdatedEvent;
  [PaymentEvents.DISPUTE_CLOSED]: DisputeClosedEvent;
  [PaymentEvents.FRAUD_WARNING_CREATED]: FraudWarningCreatedEvent;
  [PaymentEvents.DISPUTE_DEADLINE_APPROACHING]: DisputeDeadlineApproachingEvent;
  [PaymentEvents.DISPUTE_DEADLINE_PASSED]: DisputeDeadlinePassedEvent;
}

/** One domain event, ready for the outbox. */
export interface DomainEvent<N extends PaymentEventName = PaymentEventName> {
  name: N;
  payload: PaymentEventMap[N];
}

/** The aggregate an event belongs to: one listener gets one aggregate's events in commit order. */
export interface EventAggregate {
  type: 'checkout' | 'transaction' | 'subscription' | 'dispute' | 'invoice';
  id: string;
}

interface WithId {
  id: number;
}

/**
 * A checkout session, a transaction row (a charge or a refund), a
 * subscription, a dispute / fraud warning. Invoice events belong to their
 * subscription (or, without one, to their charge row).
 */
export function aggregateOf(event: DomainEvent): EventAggregate {
  const p = event.payload as unknown as Record<string, unknown>;
  const idOf = (key: string): string | undefined => {
    const value = p[key] as WithId | null | undefined;
    return value && typeof value.id === 'number' ? String(value.id) : undefined;
  };
  const name: string = event.name;
  if (name.startsWith('payment.checkout.'))
    return { type: 'checkout', id: String((p.session as { session_id: string }).session_id) };
  if (name.startsWith('payment.transaction.'))
    return { type: 'transaction', id: idOf('transaction') ?? 'unknown' };
  if (name.startsWith('payment.refund.'))
    return { type: 'transaction', id: idOf('refund') ?? 'unknown' };
  if (name.startsWith('payment.subscription.'))
    return { type: 'subscription', id: idOf('subscription') ?? 'unknown' };
  if (name.startsWith('payment.invoice.')) {
    const subscription = idOf('subscription');
    if (subscription) return { type: 'subscription', id: subscription };
    const transaction = idOf('transaction');
    if (transaction) return { type: 'transaction', id: transaction };
    const invoice = p.invoice as { provider_invoice_id?: string } | undefined;
    return { type: 'invoice', id: invoice?.provider_invoice_id ?? 'unknown' };
  }
  return { type: 'dispute', id: idOf('dispute') ?? 'unknown' };
}
