import type { TransactionStatus } from '../transactions/entities/transaction.entity';

/*
 * The money rules of a charge and its refunds, kept pure so that they are tested by table
 * (src/refunds/refund-math.spec.ts). The ledger's row code only loads rows and stores results.
 */

export interface RefundAmount {
  amount: number;
  status: TransactionStatus;
}

/** A refund that takes money from its charge: done, or reserved by a request still in flight. */
export function holdsAmount(status: TransactionStatus): boolean {
  return status === 'pending' || status === 'succeeded';
}

/** The sum of the refunds that hold an amount (failed and canceled ones gave theirs back). */
export function heldTotal(refunds: readonly RefundAmount[]): number {
  return refunds.reduce(
    (sum, refund) => (holdsAmount(refund.status) ? sum + refund.amount : sum),
    0,
  );
}

/** What may still be refunded on a charge of `chargeAmount`. */
export function remainingRefundable(
  chargeAmount: number,
  refunds: readonly RefundAmount[],
): number {
  return Math.max(0, chargeAmount - heldTotal(refunds));
}

/** The statuses a charge takes from its refunds; any other status is the payment's own and is kept. */
const REFUND_DRIVEN_STATUSES: readonly TransactionStatus[] = [
  'succeeded',
  'partially_refunded',
  'refunded',
];

export function isRefundable(status: TransactionStatus): boolean {
  return status === 'succeeded' || status === 'partially_refunded';
}

/**
 * A charge's amount_refunded and status, recomputed from all its refund rows
 * (never by adding up provider totals). Clamped to the charge amount: a
 * reservation in flight may briefly overlap a refund made in the dashboard
 * until the provider rejects the over-refund and the reservation is released.
 */
export function chargeAfterRefunds(
  charge: { amount: number; status: TransactionStatus },
  refunds: readonly RefundAmount[],
): { amountRefunded: number; status: TransactionStatus } {
  const amountRefunded = Math.min(charge.amount, heldTotal(refunds));
  if (!REFUND_DRIVEN_STATUSES.includes(charge.status))
    return { amountRefunded, status: charge.status };
  const status: TransactionStatus =
    amountRefunded === 0
      ? 'succeeded'
      : amountRefunded >= charge.amount
        ? 'refunded'
        : 'partially_refunded';
  return { amountRefunded, status };
}
