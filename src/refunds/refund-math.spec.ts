import type { RefundStatus } from '../payment-provider/payment-provider.types';
import type { TransactionStatus } from '../transactions/entities/transaction.entity';
import {
  chargeAfterRefunds,
  heldTotal,
  isStale,
  nextRefundStatus,
  remainingRefundable,
  splitRefundReason,
  type RefundAmount,
} from './refund-math';

const r = (amount: number, status: TransactionStatus): RefundAmount => ({ amount, status });

describe('refund money math', () => {
  it.each<[string, RefundAmount[], number]>([
    ['no refunds', [], 0],
    [
      'succeeded and pending refunds hold their amount',
      [r(300, 'succeeded'), r(200, 'pending')],
      500,
    ],
    [
      'failed and canceled refunds give their amount back',
      [r(300, 'failed'), r(200, 'canceled'), r(100, 'succeeded')],
      100,
    ],
  ])('held total: %s', (_name, refunds, expected) => {
    expect(heldTotal(refunds)).toBe(expected);
  });

  it.each<[string, number, RefundAmount[], number]>([
    ['untouched charge', 1000, [], 1000],
    ['after two partials', 1000, [r(300, 'succeeded'), r(200, 'succeeded')], 500],
    ['a pending reservation counts', 1000, [r(400, 'pending')], 600],
    ['a failed refund does not count', 1000, [r(1000, 'failed')], 1000],
    ['never below zero', 1000, [r(700, 'succeeded'), r(700, 'pending')], 0],
  ])('remaining refundable: %s', (_name, amount, refunds, expected) => {
    expect(remainingRefundable(amount, refunds)).toBe(expected);
  });

  it.each<
    [
      string,
      TransactionStatus,
      RefundAmount[],
      { amountRefunded: number; status: TransactionStatus },
    ]
  >([
    [
      'no refunds leave a succeeded charge succeeded',
      'succeeded',
      [],
      { amountRefunded: 0, status: 'succeeded' },
    ],
    [
      'a partial refund',
      'succeeded',
      [r(250, 'succeeded')],
      { amountRefunded: 250, status: 'partially_refunded' },
    ],
    [
      'refunds adding up to the amount',
      'partially_refunded',
      [r(250, 'succeeded'), r(750, 'pending')],
      { amountRefunded: 1000, status: 'refunded' },
    ],
    [
      'the only refund failed: back to succeeded',
      'refunded',
      [r(1000, 'failed')],
      { amountRefunded: 0, status: 'succeeded' },
    ],
    [
      'one of two refunds failed: back to partially refunded',
      'refunded',
      [r(400, 'succeeded'), r(600, 'failed')],
      { amountRefunded: 400, status: 'partially_refunded' },
    ],
    [
      'overlap is clamped to the amount',
      'partially_refunded',
      [r(1000, 'succeeded'), r(200, 'pending')],
      { amountRefunded: 1000, status: 'refunded' },
    ],
    [
      'a pending payment keeps its status',
      'pending',
      [r(100, 'succeeded')],
      { amountRefunded: 100, status: 'pending' },
    ],
    ['a failed payment keeps its status', 'failed', [], { amountRefunded: 0, status: 'failed' }],
  ])('charge after refunds: %s', (_name, status, refunds, expected) => {
    expect(chargeAfterRefunds({ amount: 1000, status }, refunds)).toEqual(expected);
  });
});

describe('refund status precedence', () => {
  it.each<[TransactionStatus, RefundStatus, boolean, TransactionStatus]>([
    ['pending', 'succeeded', true, 'succeeded'],
    ['succeeded', 'pending', true, 'succeeded'],
    ['succeeded', 'failed', true, 'failed'],
    ['failed', 'succeeded', true, 'failed'],
    ['failed', 'pending', true, 'failed'],
    ['canceled', 'failed', true, 'failed'],
    ['pending', 'pending', true, 'pending'],
    // Not confirmed by the provider yet: our guess gives way to its word.
    ['failed', 'succeeded', false, 'succeeded'],
    ['succeeded', 'pending', false, 'pending'],
  ])('%s + provider says %s (confirmed %s) → %s', (current, incoming, confirmed, expected) => {
    expect(nextRefundStatus(current, incoming, confirmed)).toBe(expected);
  });

  it.each<[string, Date | null, Date, boolean]>([
    ['never seen', null, new Date(1000), false],
    ['older event', new Date(2000), new Date(1000), true],
    ['same second is applied again', new Date(2000), new Date(2000), false],
    ['newer event', new Date(2000), new Date(3000), false],
  ])('staleness: %s', (_name, row, occurred, expected) => {
    expect(isStale(row, occurred)).toBe(expected);
  });
});

describe('refund reason split', () => {
  it.each<[string | null | undefined, ReturnType<typeof splitRefundReason>]>([
    [undefined, {}],
    [null, {}],
    ['  ', {}],
    ['duplicate', { providerReason: 'duplicate' }],
    ['fraudulent', { providerReason: 'fraudulent' }],
    ['requested_by_customer', { providerReason: 'requested_by_customer' }],
    ['fraud warning', { reasonText: 'fraud warning' }],
    ['Requested_By_Customer', { reasonText: 'Requested_By_Customer' }],
  ])('%p → %p', (reason, expected) => {
    expect(splitRefundReason(reason)).toEqual(expected);
  });
});
