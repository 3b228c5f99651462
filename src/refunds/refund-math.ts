import {
  PROVIDER_REFUND_REASONS,
  type ProviderRefundReason,
  type RefundStatus,
} from '../payment-provider/payment-provider.types';
import type { TransactionStatus } from '../transactions/entities/transaction.entity';

/*
 * The money rules of refunds, kept pure so that they are tested by table
 * (refund-math.spec.ts). The database code only loads rows and stores results.
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

/** How far along its life a refund is: it only moves forward (pending → succeeded → failed/canceled). */
const REFUND_STATUS_RANK: Record<RefundStatus, number> = {
  pending: 0,
  succeeded: 1,
  failed: 2,
  canceled: 2,
};

function rankOf(status: TransactionStatus): number {
  return status in REFUND_STATUS_RANK ? REFUND_STATUS_RANK[status as RefundStatus] : 0;
}

/**
 * The status a refund row keeps when the provider reports `incoming`. A status
 * the provider confirmed never moves back (a late `refund.created` saying
 * pending does not undo succeeded; failed is final). A row the provider has
 * not confirmed yet holds only our guess, which the provider's word replaces.
 */
export function nextRefundStatus(
  current: TransactionStatus,
  incoming: RefundStatus,
  confirmed: boolean,
): TransactionStatus {
  if (!confirmed) return incoming;
  return rankOf(incoming) >= rankOf(current) ? incoming : current;
}

/** An event older than the row's last provider change is skipped (DESIGN §4); equal is applied again. */
export function isStale(rowUpdatedAt: Date | null, occurredAt: Date): boolean {
  return rowUpdatedAt !== null && occurredAt.getTime() < rowUpdatedAt.getTime();
}

/**
 * Splits a free-text reason: the provider accepts only a few values; any
 * other text travels in the refund's metadata and stays in our row.
 */
export function splitRefundReason(reason: string | null | undefined): {
  providerReason?: ProviderRefundReason;
  reasonText?: string;
} {
  if (reason === null || reason === undefined || reason.trim() === '') return {};
  if ((PROVIDER_REFUND_REASONS as readonly string[]).includes(reason)) {
    return { providerReason: reason as ProviderRefundReason };
  }
  return { reasonText: reason };
}
