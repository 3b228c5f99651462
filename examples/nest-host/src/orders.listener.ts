import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CheckoutCompletedEvent, OnPaymentEvent, PaymentEvents } from 'payment-service';
import type { Repository } from 'typeorm';
import { Order } from './order.entity';

/**
 * A durable listener (at least once, retried on a throw): the parameter type is
 * checked against the event name — `on(e: RefundCreatedEvent)` would not compile.
 */
@Injectable()
export class OrdersListener {
  constructor(@InjectRepository(Order) private readonly orders: Repository<Order>) {}

  @OnPaymentEvent(PaymentEvents.CHECKOUT_COMPLETED)
  async onCheckoutCompleted(event: CheckoutCompletedEvent): Promise<void> {
    // At least once: the unique session id makes a redelivery a no-op.
    await this.orders
      .createQueryBuilder()
      .insert()
      .values({
        customerRef: event.customerRef ?? 'anonymous',
        checkoutSessionId: event.providerSessionId,
        amount: event.session.amount_total ?? 0,
        currency: event.session.currency ?? 'usd',
      })
      .orIgnore()
      .execute();
  }
}
