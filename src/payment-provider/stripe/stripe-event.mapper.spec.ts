import {
  STRIPE_FIXTURE_IDS as ID,
  STRIPE_FIXTURE_TIME as T0,
  stripeEvent,
  stripeObject,
  type StripeObject,
} from '../../../test/fixtures/stripe/events';
import type { RawObject } from '../payment-provider.types';
import {
  STRIPE_HANDLED_EVENT_TYPES,
  interpretStripeEvent,
  mapStripeEvent,
} from './stripe-event.mapper';
import {
  StripePayloadError,
  toCheckoutSessionSnapshot,
  toDisputeSnapshot,
  toInvoiceSnapshot,
  toPaymentSnapshot,
  toRefundSnapshot,
  toSubscriptionSnapshot,
} from './stripe-object.mapper';

const at = (seconds: number): Date => new Date(seconds * 1000);

/** The subscription example with its first item (and that item's price) changed. */
function subscriptionWithItem(item: StripeObject, price: StripeObject = {}): StripeObject {
  const subscription = stripeObject('subscription');
  const items = subscription.items as { data: StripeObject[] };
  const first = items.data[0];
  items.data[0] = { ...first, ...item, price: { ...(first.price as StripeObject), ...price } };
  return subscription;
}

describe('Stripe event mapping', () => {
  it('handles exactly the event types of DESIGN §6.1, plus the older charge.refund.updated', () => {
    expect([...STRIPE_HANDLED_EVENT_TYPES].sort()).toEqual(
      [
        'checkout.session.completed',
        'checkout.session.expired',
        'checkout.session.async_payment_succeeded',
        'checkout.session.async_payment_failed',
        'payment_intent.succeeded',
        'payment_intent.payment_failed',
        'invoice.paid',
        'invoice.payment_failed',
        'customer.subscription.created',
        'customer.subscription.updated',
        'customer.subscription.deleted',
        'charge.refunded',
        'refund.created',
        'refund.updated',
        'refund.failed',
        'charge.refund.updated',
        'charge.dispute.created',
        'charge.dispute.updated',
        'charge.dispute.closed',
        'radar.early_fraud_warning.created',
        'radar.early_fraud_warning.updated',
      ].sort(),
    );
  });

  it.each([
    'customer.created',
    'invoice.finalized',
    'payment_intent.created',
    'constructor',
    '__proto__',
  ])('maps %s to no change', (type) => {
    expect(mapStripeEvent(type, stripeObject('customer'))).toBeNull();
  });

  it('refuses an object of another kind than the event type announces', () => {
    expect(() => mapStripeEvent('checkout.session.completed', stripeObject('invoice'))).toThrow(
      new StripePayloadError('Expected a Stripe checkout.session but got invoice'),
    );
  });
});

describe('interpretStripeEvent', () => {
  it('reads the envelope: id, type, whole-second time and the untouched payload', () => {
    const event = stripeEvent(
      'charge.dispute.closed',
      stripeObject('dispute', { status: 'lost' }),
      {
        id: 'evt_1Envelope',
        created: T0 + 5,
      },
    );
    const payload = JSON.parse(JSON.stringify(event)) as RawObject;

    const parsed = interpretStripeEvent(payload);

    expect(parsed).toMatchObject({ id: 'evt_1Envelope', type: 'charge.dispute.closed' });
    expect(parsed.occurredAt).toEqual(at(T0 + 5));
    expect(parsed.payload).toBe(payload);
    expect(parsed.change).toMatchObject({ kind: 'dispute.changed', action: 'closed' });
  });

  const valid = (): RawObject =>
    JSON.parse(JSON.stringify(stripeEvent('refund.updated', stripeObject('refund')))) as RawObject;

  it.each<[string, (event: RawObject) => void, string]>([
    [
      'a non-event object',
      (e) => (e.object = 'refund'),
      'Expected a Stripe event but got "refund"',
    ],
    ['no id', (e) => delete e.id, 'Stripe event has no id'],
    ['no type', (e) => delete e.type, 'has no type'],
    ['a created that is not a number', (e) => (e.created = '1767225600'), 'has no created time'],
    ['no data.object', (e) => (e.data = {}), 'has no data.object'],
  ])('refuses an envelope with %s', (_name, spoil, message) => {
    const event = valid();
    spoil(event);
    expect(() => interpretStripeEvent(event)).toThrow(message);
  });
});

describe('checkout session snapshot', () => {
  it('accepts expanded customer, payment intent and subscription objects', () => {
    const session = stripeObject('checkout-session.payment', {
      customer: { id: ID.customer, object: 'customer', email: 'x@example.com' },
      payment_intent: stripeObject('payment-intent.succeeded'),
      subscription: { id: ID.subscription, object: 'subscription' },
    });

    expect(toCheckoutSessionSnapshot(session)).toMatchObject({
      customerId: ID.customer,
      paymentIntentId: ID.paymentIntent,
      subscriptionId: ID.subscription,
    });
  });

  it.each<[string, StripeObject, string | null]>([
    ['the details the buyer typed', {}, 'jenny.rosen@example.com'],
    [
      'the prefill when no details yet',
      { customer_details: null, customer_email: 'pre@example.com' },
      'pre@example.com',
    ],
    ['null when neither', { customer_details: null, customer_email: null }, null],
  ])('takes the email from %s', (_name, overrides, email) => {
    const session = stripeObject('checkout-session.payment', overrides);
    expect(toCheckoutSessionSnapshot(session).customerEmail).toBe(email);
  });

  it('falls back to the status the event implies when Stripe sends none', () => {
    const session = stripeObject('checkout-session.payment', { status: null });
    expect(toCheckoutSessionSnapshot(session, 'expired').status).toBe('expired');
  });

  it('keeps only string metadata values and reads a null metadata as empty', () => {
    const odd = stripeObject('checkout-session.payment', { metadata: { a: '1', b: 2, c: null } });
    expect(toCheckoutSessionSnapshot(odd).metadata).toEqual({ a: '1' });
    const none = stripeObject('checkout-session.payment', { metadata: null });
    expect(toCheckoutSessionSnapshot(none).metadata).toEqual({});
  });
});

describe('payment snapshot', () => {
  it.each<[string, 'pending' | 'succeeded' | 'canceled']>([
    ['succeeded', 'succeeded'],
    ['canceled', 'canceled'],
    ['processing', 'pending'],
    ['requires_action', 'pending'],
    ['requires_payment_method', 'pending'],
    ['requires_capture', 'pending'],
  ])('reads status %s as %s', (status, expected) => {
    expect(toPaymentSnapshot(stripeObject('payment-intent.succeeded', { status })).status).toBe(
      expected,
    );
  });

  it('is failed whatever the status when the event says the payment failed', () => {
    expect(toPaymentSnapshot(stripeObject('payment-intent.failed'), true).status).toBe('failed');
  });

  it('reads latest_charge as an id or an expanded charge', () => {
    const expanded = stripeObject('payment-intent.succeeded', {
      latest_charge: stripeObject('charge.refunded'),
    });
    expect(toPaymentSnapshot(expanded).chargeId).toBe(ID.charge);
  });

  it('falls back to the charges list of API versions before 2022-11-15', () => {
    const legacy = stripeObject('payment-intent.succeeded', {
      latest_charge: undefined,
      charges: { object: 'list', data: [{ id: 'ch_legacy', object: 'charge' }] },
    });
    expect(toPaymentSnapshot(legacy).chargeId).toBe('ch_legacy');
  });
});

describe('invoice snapshot', () => {
  const payment = (status: string, isDefault: boolean, paymentIntent: string): StripeObject => ({
    object: 'invoice_payment',
    status,
    is_default: isDefault,
    payment: { type: 'payment_intent', payment_intent: paymentIntent },
  });

  it('takes the paid payment among several attempts', () => {
    const invoice = stripeObject('invoice', {
      payments: {
        object: 'list',
        data: [payment('canceled', false, 'pi_first'), payment('paid', false, 'pi_paid')],
      },
    });
    expect(toInvoiceSnapshot(invoice, true).paymentIntentId).toBe('pi_paid');
  });

  it('prefers the new places over the old ones when a payload has both', () => {
    const invoice = stripeObject('invoice', { subscription: 'sub_old', payment_intent: 'pi_old' });
    expect(toInvoiceSnapshot(invoice, true)).toMatchObject({
      subscriptionId: ID.subscription,
      paymentIntentId: ID.paymentIntent,
    });
  });

  it('reads an expanded subscription in parent.subscription_details', () => {
    const invoice = stripeObject('invoice', {
      parent: {
        type: 'subscription_details',
        subscription_details: { subscription: { id: 'sub_expanded', object: 'subscription' } },
      },
    });
    expect(toInvoiceSnapshot(invoice, true).subscriptionId).toBe('sub_expanded');
  });

  it('has no payment intent when a current-shape payload does not include payments', () => {
    const invoice = stripeObject('invoice', { payments: undefined });
    expect(toInvoiceSnapshot(invoice, true).paymentIntentId).toBeNull();
  });

  it('uses amount_paid for a paid invoice and amount_due for a failed one', () => {
    const invoice = stripeObject('invoice', { amount_due: 2500, amount_paid: 0 });
    expect(toInvoiceSnapshot(invoice, true).amount).toBe(0);
    expect(toInvoiceSnapshot(invoice, false).amount).toBe(2500);
  });

  it('reports a finalization error as the failure when no payment intent explains it', () => {
    const invoice = stripeObject('invoice', {
      status: 'open',
      payments: undefined,
      last_finalization_error: {
        type: 'invalid_request_error',
        message: 'Customer has no address',
      },
    });
    expect(toInvoiceSnapshot(invoice, false).failureMessage).toBe('Customer has no address');
  });
});

describe('subscription snapshot', () => {
  it.each<[string, StripeObject, StripeObject, string | null]>([
    ['the price nickname', {}, { nickname: 'Pro monthly' }, 'Pro monthly'],
    [
      'the expanded product name',
      {},
      { nickname: null, product: { id: ID.product, name: 'Pro' } },
      'Pro',
    ],
    ['nothing when the product is only an id', {}, { nickname: null, product: ID.product }, null],
  ])('names the plan from %s', (_name, item, price, planName) => {
    expect(toSubscriptionSnapshot(subscriptionWithItem(item, price)).planName).toBe(planName);
  });

  it('prefers the item period over a subscription-level one', () => {
    const subscription = { ...stripeObject('subscription'), current_period_end: T0 + 1 };
    expect(toSubscriptionSnapshot(subscription).currentPeriodEnd).toEqual(at(T0 + 31 * 86400));
  });

  it('takes price and quantity from the first item', () => {
    const subscription = subscriptionWithItem({ quantity: 3 }, { id: 'price_team' });
    expect(toSubscriptionSnapshot(subscription)).toMatchObject({
      priceId: 'price_team',
      quantity: 3,
    });
  });

  it.each([
    'incomplete',
    'incomplete_expired',
    'trialing',
    'active',
    'past_due',
    'canceled',
    'unpaid',
    'paused',
  ])('keeps status %s', (status) => {
    expect(toSubscriptionSnapshot(stripeObject('subscription', { status })).status).toBe(status);
  });

  it('refuses a status it does not know rather than guessing', () => {
    expect(() =>
      toSubscriptionSnapshot(stripeObject('subscription', { status: 'frozen' })),
    ).toThrow(/unknown status frozen/);
  });
});

describe('refund snapshot', () => {
  it.each<[string | null, string]>([
    ['pending', 'pending'],
    ['requires_action', 'pending'],
    ['succeeded', 'succeeded'],
    ['failed', 'failed'],
    ['canceled', 'canceled'],
    [null, 'pending'],
  ])('reads status %s as %s', (status, expected) => {
    expect(toRefundSnapshot(stripeObject('refund', { status })).status).toBe(expected);
  });
});

describe('dispute snapshot', () => {
  it.each<[string, unknown, Date | null]>([
    ['a unix time', { due_by: T0 + 100 }, at(T0 + 100)],
    ['0', { due_by: 0 }, null],
    ['null', { due_by: null }, null],
    ['no evidence details at all', null, null],
  ])('reads an evidence deadline of %s', (_name, evidenceDetails, expected) => {
    const dispute = stripeObject('dispute', { evidence_details: evidenceDetails });
    expect(toDisputeSnapshot(dispute).evidenceDueBy).toEqual(expected);
  });

  it('keeps the provider status unmapped (the disputes feature maps it)', () => {
    const dispute = stripeObject('dispute', { status: 'warning_needs_response' });
    expect(toDisputeSnapshot(dispute).status).toBe('warning_needs_response');
  });
});
