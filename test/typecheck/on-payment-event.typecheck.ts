/**
 * Compiled by `npm run typecheck` (never run): the event map types listeners.
 * Each `@ts-expect-error` fails the typecheck if the line below it compiles.
 */
import { OnPaymentEvent } from '../../src/events/on-payment-event.decorator';
import { PaymentEvents } from '../../src/events/payment-events';
import type { CheckoutCompletedEvent } from '../../src/checkout/checkout.events';
import type { FraudWarningCreatedEvent } from '../../src/disputes/disputes.events';
import type { RefundCreatedEvent } from '../../src/refunds/refunds.events';

export class TypedListeners {
  @OnPaymentEvent(PaymentEvents.CHECKOUT_COMPLETED)
  grant(event: CheckoutCompletedEvent): void {
    void event.customerRef;
  }

  /** A narrower structural view of the payload is fine. */
  @OnPaymentEvent(PaymentEvents.FRAUD_WARNING_CREATED)
  async revoke(event: { dispute: { id: number } }): Promise<void> {
    await Promise.resolve(event.dispute.id);
  }

  // @ts-expect-error a refund listener on the checkout event does not compile
  @OnPaymentEvent(PaymentEvents.CHECKOUT_COMPLETED)
  wrongPayload(event: RefundCreatedEvent): void {
    void event.refund;
  }

  // @ts-expect-error a fraud warning's payload is not a checkout's
  @OnPaymentEvent(PaymentEvents.FRAUD_WARNING_CREATED)
  wrongPayloadToo(event: CheckoutCompletedEvent): void {
    void event.session;
  }

  // @ts-expect-error not an event name
  @OnPaymentEvent('payment.checkout.done')
  unknownEvent(event: FraudWarningCreatedEvent): void {
    void event;
  }
}
