import type supertest from 'supertest';
import { stripeObject, type StripeObject } from '../fixtures/stripe/events';

/**
 * One-time checkouts created through the API of an app on the fake Stripe, and the Stripe objects
 * their webhooks carry (the service's marker copied onto them, as Stripe does). `orderRef` is the
 * order of the last checkout created.
 */
export class OurCheckouts {
  private seq = 0;

  constructor(
    private readonly http: () => ReturnType<typeof supertest>,
    /** Keeps payment intent ids of different specs apart. */
    private readonly tag: string,
  ) {}

  get orderRef(): string {
    return `order-${this.seq}`;
  }

  /** Creates one; returns its session id and a payment intent id for it. */
  async create(): Promise<{ sessionId: string; paymentIntentId: string }> {
    this.seq++;
    const response = await this.http()
      .post('/api/v1/payment/checkout')
      .send({
        price_id: 'price_fake_onetime',
        mode: 'payment',
        metadata: { order_ref: this.orderRef },
      })
      .expect(201);
    return {
      sessionId: (response.body as { session_id: string }).session_id,
      paymentIntentId: `pi_test_${this.tag}_${this.seq}_${Date.now()}`,
    };
  }

  /** The payment intent of the last checkout, as payment_intent.succeeded carries it. */
  paymentIntent(id: string, overrides: StripeObject = {}): StripeObject {
    return stripeObject('payment-intent.succeeded', {
      id,
      latest_charge: `ch_for_${id}`,
      customer: null,
      amount: 2000,
      metadata: { order_ref: this.orderRef, payment_service: 'checkout' },
      ...overrides,
    });
  }

  /** The last checkout's session, paid, as checkout.session.completed carries it. */
  completedSession(sessionId: string, paymentIntentId: string): StripeObject {
    return stripeObject('checkout-session.payment', {
      id: sessionId,
      payment_intent: paymentIntentId,
      customer: null,
      client_reference_id: null,
      amount_total: 2000,
      metadata: { order_ref: this.orderRef, payment_service: 'checkout' },
    });
  }
}
