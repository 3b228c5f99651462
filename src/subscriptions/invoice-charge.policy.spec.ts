import type { TransactionStatus } from '../transactions/entities/transaction.entity';
import {
  decideInvoiceCharge,
  type InvoiceChargeDecision,
  type InvoiceOutcome,
} from './invoice-charge.policy';

const T = 1_767_225_600;
const at = (seconds: number): Date => new Date((T + seconds) * 1000);

type Row = { status: TransactionStatus; second: number | null } | null;
type Expected = { status: TransactionStatus; insert: boolean; second: number } | { skip: string };

function summary(decision: InvoiceChargeDecision): Expected {
  if (!decision.write) return { skip: decision.reason };
  return {
    status: decision.status,
    insert: decision.insert,
    second: decision.providerUpdatedAt.getTime() / 1000 - T,
  };
}

describe('decideInvoiceCharge', () => {
  it.each<[string, Row, InvoiceOutcome, number, Expected]>([
    [
      'a paid invoice without a row inserts a succeeded charge',
      null,
      'paid',
      10,
      { status: 'succeeded', insert: true, second: 10 },
    ],
    [
      'a failed attempt without a row inserts a failed charge',
      null,
      'payment_failed',
      10,
      { status: 'failed', insert: true, second: 10 },
    ],
    [
      'a successful retry turns the failed charge succeeded',
      { status: 'failed', second: 10 },
      'paid',
      20,
      { status: 'succeeded', insert: false, second: 20 },
    ],
    [
      'paid wins even when stamped before the failed attempt',
      { status: 'failed', second: 20 },
      'paid',
      10,
      { status: 'succeeded', insert: false, second: 20 },
    ],
    [
      'a stale failed attempt after paid never turns it failed',
      { status: 'succeeded', second: 20 },
      'payment_failed',
      10,
      { skip: 'already_paid' },
    ],
    [
      'a failed attempt of the same second as paid never turns it failed',
      { status: 'succeeded', second: 20 },
      'payment_failed',
      20,
      { skip: 'already_paid' },
    ],
    [
      'a refunded charge is never turned failed',
      { status: 'refunded', second: 20 },
      'payment_failed',
      30,
      { skip: 'already_paid' },
    ],
    [
      'paid on a refunded charge keeps refunded',
      { status: 'partially_refunded', second: 20 },
      'paid',
      10,
      { status: 'partially_refunded', insert: false, second: 20 },
    ],
    [
      'paid on a charge recorded from its payment intent keeps succeeded',
      { status: 'succeeded', second: 10 },
      'paid',
      10,
      { status: 'succeeded', insert: false, second: 10 },
    ],
    [
      'a newer failed attempt replaces an older one',
      { status: 'failed', second: 10 },
      'payment_failed',
      20,
      { status: 'failed', insert: false, second: 20 },
    ],
    [
      'an older failed attempt is skipped',
      { status: 'failed', second: 20 },
      'payment_failed',
      10,
      { skip: 'stale' },
    ],
    [
      'a failed attempt of the same second applies again (replay)',
      { status: 'failed', second: 20 },
      'payment_failed',
      20,
      { status: 'failed', insert: false, second: 20 },
    ],
    [
      'a pending charge takes a failed attempt',
      { status: 'pending', second: null },
      'payment_failed',
      5,
      { status: 'failed', insert: false, second: 5 },
    ],
  ])('%s', (_name, row, outcome, second, expected) => {
    const current = row && {
      status: row.status,
      providerUpdatedAt: row.second === null ? null : at(row.second),
    };
    expect(summary(decideInvoiceCharge(current, outcome, at(second)))).toEqual(expected);
  });
});
