import { isOlder, laterOf } from '../ledger/mirror-ordering';
import type { TransactionStatus } from '../transactions/entities/transaction.entity';
import type { CheckoutStatus } from './entities/checkout-session.entity';

/*
 * Pure decisions about applying checkout and payment events to our rows (DESIGN §4): events
 * arrive in any order, concurrently, replayed, several in one second. Unit-tested in
 * checkout-ordering.policy.spec.ts; the handlers only lock rows and follow these.
 */

/** The provider's payment_status values that mean the buyer has paid (or had nothing to pay). */
export function isSessionPaid(paymentStatus: string | null): boolean {
  return paymentStatus === 'paid' || paymentStatus === 'no_payment_required';
}

// ---------------------------------------------------------------------------------------------
// Checkout sessions: open → complete | expired

export type SessionChangeKind =
  'completed' | 'expired' | 'async_payment_succeeded' | 'async_payment_failed';

export interface SessionRowState {
  status: CheckoutStatus;
  paymentStatus: string | null;
  providerUpdatedAt: Date | null;
}

export interface IncomingSessionChange {
  kind: SessionChangeKind;
  /** The snapshot's payment_status. */
  paymentStatus: string | null;
  occurredAt: Date;
}

export type SessionDecision =
  | {
      apply: true;
      status: CheckoutStatus;
      paymentStatus: string | null;
      providerUpdatedAt: Date;
      /** completed: the checkout is complete and paid for; expired: it ended unpaid. */
      emit: 'completed' | 'expired' | null;
    }
  | { apply: false; reason: 'stale' | 'already_complete' | 'already_paid' };

function targetOf(change: IncomingSessionChange): {
  status: CheckoutStatus;
  paymentStatus: string | null;
} {
  switch (change.kind) {
    case 'completed':
      return { status: 'complete', paymentStatus: change.paymentStatus };
    case 'async_payment_succeeded':
      return { status: 'complete', paymentStatus: 'paid' };
    case 'async_payment_failed':
      return { status: 'complete', paymentStatus: change.paymentStatus ?? 'unpaid' };
    case 'expired':
      return { status: 'expired', paymentStatus: change.paymentStatus };
  }
}

/**
 * - `complete` is final: an `expired` never undoes it, whatever its time.
 * - A paid session stays paid: a same-second or late "unpaid" view of it is not applied.
 * - `complete` wins over `expired` (the provider cannot complete an expired session, so the
 *   completion is the truth), and anything applies to an open row.
 * - Otherwise the newer event wins; the same second is applied again (a replay re-emits).
 */
export function decideSessionChange(
  row: SessionRowState,
  change: IncomingSessionChange,
): SessionDecision {
  const target = targetOf(change);
  if (row.status === 'complete' && target.status === 'expired') {
    return { apply: false, reason: 'already_complete' };
  }
  if (
    row.status === 'complete' &&
    isSessionPaid(row.paymentStatus) &&
    !isSessionPaid(target.paymentStatus)
  ) {
    return { apply: false, reason: 'already_paid' };
  }
  const overrides =
    row.status === 'open' || (row.status === 'expired' && target.status === 'complete');
  if (!overrides && isOlder(change.occurredAt, row.providerUpdatedAt)) {
    return { apply: false, reason: 'stale' };
  }
  let emit: 'completed' | 'expired' | null = null;
  if (target.status === 'expired') emit = 'expired';
  else if (isSessionPaid(target.paymentStatus)) emit = 'completed';
  return {
    apply: true,
    status: target.status,
    paymentStatus: target.paymentStatus,
    providerUpdatedAt: laterOf(change.occurredAt, row.providerUpdatedAt),
    emit,
  };
}

// ---------------------------------------------------------------------------------------------
// The charge row of a one-time checkout

/** A payment that went through: refunds move it on, but no failure takes it back. */
export const PAID_CHARGE_STATUSES: readonly TransactionStatus[] = [
  'succeeded',
  'partially_refunded',
  'refunded',
];

export function isChargePaid(status: TransactionStatus): boolean {
  return PAID_CHARGE_STATUSES.includes(status);
}

export interface ChargeRowState {
  status: TransactionStatus;
  /** The payment's last-change time: set only by the payment's own events. */
  providerUpdatedAt: Date | null;
}

export interface IncomingChargeChange {
  /**
   * payment: the payment intent's own event (payment.succeeded / payment.failed) — it owns the
   * row's time and announces payment.transaction.*.
   * checkout: a checkout session event that tells us about the payment; it links the row and
   * moves its status forward but neither stamps the time nor announces anything, so that the
   * payment's own event, whenever it arrives, is applied and announced exactly once.
   */
  source: 'payment' | 'checkout';
  outcome: 'succeeded' | 'failed' | 'pending';
  occurredAt: Date;
}

export type ChargeDecision =
  | {
      write: true;
      status: TransactionStatus;
      providerUpdatedAt: Date | null;
      emit: 'succeeded' | 'failed' | null;
    }
  | { write: false; reason: 'stale' | 'already_paid' };

/**
 * - A succeeded payment is final against failures, at any time (a failed attempt can only have
 *   preceded the success, whatever the timestamps say).
 * - A failure applies to a row that is not paid unless the row holds a newer payment event.
 * - A success on a paid row is applied again from the same second on (replay), not when older.
 * - Checkout events only move a row forward: unpaid → pending (new rows), paid → succeeded,
 *   async failure → failed (from pending).
 */
export function decideChargeChange(
  row: ChargeRowState | null,
  change: IncomingChargeChange,
): ChargeDecision {
  if (change.source === 'checkout') {
    if (row === null)
      return { write: true, status: change.outcome, providerUpdatedAt: null, emit: null };
    let status = row.status;
    if (change.outcome === 'succeeded' && !isChargePaid(row.status)) status = 'succeeded';
    if (change.outcome === 'failed' && row.status === 'pending') status = 'failed';
    return { write: true, status, providerUpdatedAt: row.providerUpdatedAt, emit: null };
  }
  if (change.outcome === 'pending') {
    throw new Error('a payment event is either succeeded or failed');
  }
  if (row === null) {
    return {
      write: true,
      status: change.outcome,
      providerUpdatedAt: change.occurredAt,
      emit: change.outcome,
    };
  }
  const providerUpdatedAt = laterOf(change.occurredAt, row.providerUpdatedAt);
  if (change.outcome === 'succeeded') {
    if (!isChargePaid(row.status)) {
      return { write: true, status: 'succeeded', providerUpdatedAt, emit: 'succeeded' };
    }
    if (isOlder(change.occurredAt, row.providerUpdatedAt)) return { write: false, reason: 'stale' };
    return { write: true, status: row.status, providerUpdatedAt, emit: 'succeeded' };
  }
  if (isChargePaid(row.status)) return { write: false, reason: 'already_paid' };
  if (isOlder(change.occurredAt, row.providerUpdatedAt)) return { write: false, reason: 'stale' };
  return { write: true, status: 'failed', providerUpdatedAt, emit: 'failed' };
}
