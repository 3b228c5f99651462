import { isOlder, laterOf } from '../ledger/mirror-ordering';
import type { TransactionStatus } from '../transactions/entities/transaction.entity';

/*
 * Pure decision about an invoice's charge row: one row per invoice, which a
 * failed attempt may create and a successful retry turns `succeeded`.
 */

export type InvoiceOutcome = 'paid' | 'payment_failed';

/** What the decision needs to know about the charge row as it is (locked). */
export interface InvoiceChargeRowState {
  status: TransactionStatus;
  providerUpdatedAt: Date | null;
}

export type InvoiceChargeDecision =
  | {
      write: true;
      insert: boolean;
      status: TransactionStatus;
      providerUpdatedAt: Date;
    }
  | { write: false; reason: 'already_paid' | 'stale' };

/** A payment that went through: refunds move it on, but no failed attempt takes it back. */
const PAID_STATUSES: readonly TransactionStatus[] = ['succeeded', 'partially_refunded', 'refunded'];

/**
 * - `paid` always wins (an invoice is paid once, and a paid invoice stays paid); a row
 *   already paid (recorded from its payment intent, or refunded since) keeps its status.
 * - `payment_failed` never touches a paid row, and an older failed attempt never
 *   overwrites a newer one; the same second is applied again (replay).
 */
export function decideInvoiceCharge(
  row: InvoiceChargeRowState | null,
  outcome: InvoiceOutcome,
  occurredAt: Date,
): InvoiceChargeDecision {
  const status: TransactionStatus = outcome === 'paid' ? 'succeeded' : 'failed';
  if (row === null) {
    return { write: true, insert: true, status, providerUpdatedAt: occurredAt };
  }
  const providerUpdatedAt = laterOf(occurredAt, row.providerUpdatedAt);
  const rowPaid = PAID_STATUSES.includes(row.status);
  if (outcome === 'paid') {
    return {
      write: true,
      insert: false,
      status: rowPaid ? row.status : 'succeeded',
      providerUpdatedAt,
    };
  }
  if (rowPaid) return { write: false, reason: 'already_paid' };
  if (isOlder(occurredAt, row.providerUpdatedAt)) return { write: false, reason: 'stale' };
  return { write: true, insert: false, status, providerUpdatedAt };
}
