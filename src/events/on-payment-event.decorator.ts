import { OnEvent } from '@nestjs/event-emitter';
import type { PaymentEventName } from './payment-events';

/**
 * Listens to a payment domain event. Unlike a bare @OnEvent, a listener that
 * throws fails the webhook that caused the event (5xx: the provider retries,
 * the inbox row is left `failed` for replay) instead of being logged and lost.
 */
export const OnPaymentEvent = (name: PaymentEventName): MethodDecorator =>
  OnEvent(name, { suppressErrors: false });
