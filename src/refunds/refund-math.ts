import {
  PROVIDER_REFUND_REASONS,
  type ProviderRefundReason,
  type RefundStatus,
} from '../payment-provider/payment-provider.types';
import type { TransactionStatus } from '../transactions/entities/transaction.entity';
import { isOlder } from '../ledger/mirror-ordering';

/*
 * The money rules of refunds, kept pure so that they are tested by table
 * (refund-math.spec.ts). The database code only loads rows and stores results.
 */

export {
  chargeAfterRefunds,
  heldTotal,
  holdsAmount,
  isRefundable,
  remainingRefundable,
  type RefundAmount,
} from '../ledger/charge-totals';

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
  return isOlder(occurredAt, rowUpdatedAt);
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
