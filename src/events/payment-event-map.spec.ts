import { retryDelayMs, revivePayload } from './event-delivery';
import { aggregateOf, type DomainEvent } from './payment-event-map';
import { PaymentEvents } from './payment-events';

const event = (name: string, payload: Record<string, unknown>) =>
  ({ name, payload }) as unknown as DomainEvent;

describe('aggregateOf', () => {
  it.each([
    [PaymentEvents.CHECKOUT_COMPLETED, { session: { session_id: 'cs_1' } }, 'checkout', 'cs_1'],
    [PaymentEvents.CHECKOUT_EXPIRED, { session: { session_id: 'cs_2' } }, 'checkout', 'cs_2'],
    [PaymentEvents.TRANSACTION_SUCCEEDED, { transaction: { id: 7 } }, 'transaction', '7'],
    [PaymentEvents.TRANSACTION_FAILED, { transaction: { id: 8 } }, 'transaction', '8'],
    [PaymentEvents.REFUND_CREATED, { refund: { id: 9 }, charge: { id: 7 } }, 'transaction', '9'],
    [PaymentEvents.REFUND_UPDATED, { refund: { id: 9 }, charge: null }, 'transaction', '9'],
    [PaymentEvents.SUBSCRIPTION_UPDATED, { subscription: { id: 3 } }, 'subscription', '3'],
    [
      PaymentEvents.INVOICE_PAID,
      { subscription: { id: 3 }, transaction: { id: 10 }, invoice: {} },
      'subscription',
      '3',
    ],
    [
      PaymentEvents.INVOICE_PAYMENT_FAILED,
      { subscription: null, transaction: { id: 10 }, invoice: {} },
      'transaction',
      '10',
    ],
    [
      PaymentEvents.INVOICE_PAID,
      { subscription: null, transaction: null, invoice: { provider_invoice_id: 'in_1' } },
      'invoice',
      'in_1',
    ],
    [PaymentEvents.FRAUD_WARNING_CREATED, { dispute: { id: 4 } }, 'dispute', '4'],
    [PaymentEvents.DISPUTE_DEADLINE_PASSED, { dispute: { id: 5 } }, 'dispute', '5'],
  ])('puts %s in its aggregate', (name, payload, type, id) => {
    expect(aggregateOf(event(name, payload))).toEqual({ type, id });
  });
});

describe('retryDelayMs', () => {
  it.each([
    [1000, 1, 1000],
    [1000, 2, 2000],
    [1000, 4, 8000],
    [20, 3, 80],
    [1000, 40, 3_600_000],
  ])('base %d ms, attempt %d → %d ms', (base, attempts, expected) => {
    expect(retryDelayMs(base, attempts)).toBe(expected);
  });
});

describe('revivePayload', () => {
  it('turns occurredAt back into a Date and leaves the rest as stored', () => {
    const revived = revivePayload({
      occurredAt: '2026-01-01T00:00:00.000Z',
      dispute: { created_at: '2026-01-01T00:00:00.000Z' },
    });
    expect(revived.occurredAt).toEqual(new Date('2026-01-01T00:00:00.000Z'));
    expect(revived.dispute).toEqual({ created_at: '2026-01-01T00:00:00.000Z' });
  });
});
