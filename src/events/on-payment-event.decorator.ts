import { SetMetadata } from '@nestjs/common';
import type { PaymentEventMap } from './payment-event-map';
import type { PaymentEventName } from './payment-events';

export const ON_PAYMENT_EVENT = Symbol('payment:on-payment-event');

export interface OnPaymentEventOptions {
  /**
   * The listener's stable name in the outbox (default `ClassName.methodName`).
   * Deliveries are recorded under it: rename a method and keep its old name
   * here, or its undelivered events wait for a listener that no longer exists.
   */
  name?: string;
}

export interface PaymentListenerMetadata {
  event: PaymentEventName;
  name?: string;
}

/**
 * A durable listener of a payment domain event (DESIGN §7). Every event is
 * written to the outbox with the change that causes it and delivered to this
 * method after commit, at least once, across crashes and restarts, in commit
 * order per aggregate; a throw is retried with backoff (the other listeners
 * are not re-run) and, after EVENT_MAX_ATTEMPTS, the delivery is parked `dead`
 * (`payments events --status dead`, `payments events retry`). Deliveries are at
 * least once: dedup on `event.providerEventId` or on your own state.
 *
 * The parameter is typed by the event: a listener whose parameter does not
 * accept the event's payload does not compile. The payload arrives as plain
 * data of the class's shape (it went through the database): `occurredAt` is a
 * Date, the resources' times are ISO strings, as in the API.
 */
export function OnPaymentEvent<N extends PaymentEventName>(
  event: N,
  options: OnPaymentEventOptions = {},
): <T extends (payload: PaymentEventMap[N]) => unknown>(
  target: object,
  key: string | symbol,
  descriptor: TypedPropertyDescriptor<T>,
) => void {
  return (target, key, descriptor) => {
    const method = descriptor.value as object;
    const existing =
      (Reflect.getMetadata(ON_PAYMENT_EVENT, method) as PaymentListenerMetadata[] | undefined) ??
      [];
    SetMetadata(ON_PAYMENT_EVENT, [...existing, { event, name: options.name }])(
      target,
      key,
      descriptor,
    );
  };
}
