import type { TransactionStatus } from '../transactions/entities/transaction.entity';
import {
  decideChargeChange,
  decideSessionChange,
  type ChargeRowState,
  type IncomingChargeChange,
  type SessionChangeKind,
  type SessionRowState,
} from './checkout-ordering.policy';
import type { CheckoutStatus } from './entities/checkout-session.entity';

const T0 = new Date('2026-03-01T10:00:00Z');
const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);

const session = (
  status: CheckoutStatus,
  paymentStatus: string | null,
  time: number | null,
): SessionRowState => ({
  status,
  paymentStatus,
  providerUpdatedAt: time === null ? null : at(time),
});

describe('decideSessionChange', () => {
  it.each<[string, SessionRowState, SessionChangeKind, string | null, number, object]>([
    [
      'completes an open session and announces it when paid',
      session('open', 'unpaid', null),
      'completed',
      'paid',
      0,
      { apply: true, status: 'complete', paymentStatus: 'paid', emit: 'completed' },
    ],
    [
      'completes an open session unpaid without announcing it yet',
      session('open', 'unpaid', null),
      'completed',
      'unpaid',
      0,
      { apply: true, status: 'complete', paymentStatus: 'unpaid', emit: null },
    ],
    [
      'announces a session with nothing to pay',
      session('open', null, null),
      'completed',
      'no_payment_required',
      0,
      { apply: true, status: 'complete', emit: 'completed' },
    ],
    [
      'announces the delayed payment once it succeeds',
      session('complete', 'unpaid', 0),
      'async_payment_succeeded',
      'paid',
      5,
      { apply: true, status: 'complete', paymentStatus: 'paid', emit: 'completed' },
    ],
    [
      'records a delayed payment failure without announcing a completion',
      session('complete', 'unpaid', 0),
      'async_payment_failed',
      'unpaid',
      5,
      { apply: true, status: 'complete', paymentStatus: 'unpaid', emit: null },
    ],
    [
      'applies a replay of the same second again (re-announces)',
      session('complete', 'paid', 0),
      'completed',
      'paid',
      0,
      { apply: true, status: 'complete', emit: 'completed' },
    ],
    [
      'expires an open session',
      session('open', 'unpaid', null),
      'expired',
      'unpaid',
      0,
      { apply: true, status: 'expired', emit: 'expired' },
    ],
    [
      're-announces a replayed expiry',
      session('expired', 'unpaid', 3),
      'expired',
      'unpaid',
      3,
      { apply: true, status: 'expired', emit: 'expired' },
    ],
    [
      'lets a completion win over an expiry, even an older one',
      session('expired', 'unpaid', 10),
      'completed',
      'paid',
      5,
      { apply: true, status: 'complete', paymentStatus: 'paid', emit: 'completed' },
    ],
    [
      'keeps the newer time when an older completion wins over an expiry',
      session('expired', 'unpaid', 10),
      'completed',
      'paid',
      5,
      { providerUpdatedAt: at(10) },
    ],
  ])('%s', (_name, row, kind, paymentStatus, time, expected) => {
    expect(decideSessionChange(row, { kind, paymentStatus, occurredAt: at(time) })).toEqual(
      expect.objectContaining(expected),
    );
  });

  it.each<[string, SessionRowState, SessionChangeKind, string | null, number, string]>([
    [
      'never expires a complete session (later expiry)',
      session('complete', 'paid', 0),
      'expired',
      'unpaid',
      60,
      'already_complete',
    ],
    [
      'never expires a complete session (same second)',
      session('complete', 'unpaid', 0),
      'expired',
      'unpaid',
      0,
      'already_complete',
    ],
    [
      'keeps a paid session paid against an older unpaid completion',
      session('complete', 'paid', 5),
      'completed',
      'unpaid',
      0,
      'already_paid',
    ],
    [
      'keeps a paid session paid against an unpaid completion of the same second',
      session('complete', 'paid', 5),
      'completed',
      'unpaid',
      5,
      'already_paid',
    ],
    [
      'ignores an older completion of a complete session',
      session('complete', 'unpaid', 5),
      'completed',
      'unpaid',
      4,
      'stale',
    ],
    [
      'ignores an older expiry of an expired session',
      session('expired', 'unpaid', 5),
      'expired',
      'unpaid',
      4,
      'stale',
    ],
  ])('%s', (_name, row, kind, paymentStatus, time, reason) => {
    expect(decideSessionChange(row, { kind, paymentStatus, occurredAt: at(time) })).toEqual({
      apply: false,
      reason,
    });
  });
});

const charge = (status: TransactionStatus, time: number | null): ChargeRowState => ({
  status,
  providerUpdatedAt: time === null ? null : at(time),
});
const payment = (outcome: 'succeeded' | 'failed', time: number): IncomingChargeChange => ({
  source: 'payment',
  outcome,
  occurredAt: at(time),
});
const checkout = (
  outcome: 'succeeded' | 'failed' | 'pending',
  time: number,
): IncomingChargeChange => ({ source: 'checkout', outcome, occurredAt: at(time) });

describe('decideChargeChange', () => {
  it.each<[string, ChargeRowState | null, IncomingChargeChange, object]>([
    [
      'creates a succeeded row from the payment and announces it',
      null,
      payment('succeeded', 0),
      { write: true, status: 'succeeded', providerUpdatedAt: at(0), emit: 'succeeded' },
    ],
    [
      'creates a failed row from a declined payment and announces it',
      null,
      payment('failed', 0),
      { write: true, status: 'failed', providerUpdatedAt: at(0), emit: 'failed' },
    ],
    [
      'turns a failed attempt into success when the retry succeeds',
      charge('failed', 0),
      payment('succeeded', 10),
      { write: true, status: 'succeeded', providerUpdatedAt: at(10), emit: 'succeeded' },
    ],
    [
      'lets success win over a newer-stamped failure (success is final)',
      charge('failed', 10),
      payment('succeeded', 5),
      { write: true, status: 'succeeded', providerUpdatedAt: at(10), emit: 'succeeded' },
    ],
    [
      'applies a replayed success again and re-announces it',
      charge('succeeded', 5),
      payment('succeeded', 5),
      { write: true, status: 'succeeded', emit: 'succeeded' },
    ],
    [
      'announces the success of a row the checkout completion already marked paid',
      charge('succeeded', null),
      payment('succeeded', 5),
      { write: true, status: 'succeeded', providerUpdatedAt: at(5), emit: 'succeeded' },
    ],
    [
      'keeps a refunded charge refunded when its success is replayed',
      charge('refunded', 5),
      payment('succeeded', 5),
      { write: true, status: 'refunded', emit: 'succeeded' },
    ],
    [
      'records a newer failure of a pending payment',
      charge('pending', null),
      payment('failed', 5),
      { write: true, status: 'failed', emit: 'failed' },
    ],
    [
      'records a second failed attempt',
      charge('failed', 5),
      payment('failed', 9),
      { write: true, status: 'failed', providerUpdatedAt: at(9), emit: 'failed' },
    ],
    [
      'creates a pending row from an unpaid completion, announcing nothing',
      null,
      checkout('pending', 0),
      { write: true, status: 'pending', providerUpdatedAt: null, emit: null },
    ],
    [
      'creates a succeeded row from a paid completion, announcing nothing',
      null,
      checkout('succeeded', 0),
      { write: true, status: 'succeeded', providerUpdatedAt: null, emit: null },
    ],
    [
      'moves a pending row to succeeded on a paid completion',
      charge('pending', null),
      checkout('succeeded', 3),
      { write: true, status: 'succeeded', providerUpdatedAt: null, emit: null },
    ],
    [
      'keeps the payment time when the completion links a paid row',
      charge('succeeded', 3),
      checkout('succeeded', 9),
      { write: true, status: 'succeeded', providerUpdatedAt: at(3), emit: null },
    ],
    [
      'keeps a payment result when an unpaid completion arrives late',
      charge('succeeded', 3),
      checkout('pending', 0),
      { write: true, status: 'succeeded', emit: null },
    ],
    [
      'fails a pending row on an async payment failure',
      charge('pending', null),
      checkout('failed', 5),
      { write: true, status: 'failed', emit: null },
    ],
    [
      'never fails a paid row on an async payment failure',
      charge('succeeded', 5),
      checkout('failed', 9),
      { write: true, status: 'succeeded', emit: null },
    ],
  ])('%s', (_name, row, change, expected) => {
    expect(decideChargeChange(row, change)).toEqual(expect.objectContaining(expected));
  });

  it.each<[string, ChargeRowState, IncomingChargeChange, string]>([
    [
      'never fails a succeeded payment on an older failure',
      charge('succeeded', 10),
      payment('failed', 5),
      'already_paid',
    ],
    [
      'never fails a succeeded payment on a failure of the same second',
      charge('succeeded', 10),
      payment('failed', 10),
      'already_paid',
    ],
    [
      'never fails a succeeded payment on a newer failure',
      charge('succeeded', 10),
      payment('failed', 20),
      'already_paid',
    ],
    [
      'never fails a partially refunded payment',
      charge('partially_refunded', 10),
      payment('failed', 20),
      'already_paid',
    ],
    [
      'ignores a failure older than the last recorded failure',
      charge('failed', 10),
      payment('failed', 5),
      'stale',
    ],
    [
      'ignores a success older than the paid row',
      charge('succeeded', 10),
      payment('succeeded', 5),
      'stale',
    ],
  ])('%s', (_name, row, change, reason) => {
    expect(decideChargeChange(row, change)).toEqual({ write: false, reason });
  });
});
