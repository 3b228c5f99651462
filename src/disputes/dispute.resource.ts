import type { DisputeEntity } from './entities/dispute.entity';

/** A dispute or early fraud warning as the API and the domain events show it (DESIGN §6.0). */
export interface DisputeResource {
  id: number;
  /** chargeback (dp_…, including inquiries) or fraud_warning (issfr_…) */
  kind: DisputeEntity['kind'];
  /** Local status (DESIGN §6.4). */
  status: DisputeEntity['status'];
  /** The provider's status, unmapped; for a fraud warning its fraud type. */
  provider_status: string | null;
  reason: string | null;
  /** Minor units; a fraud warning takes its charge's amount once linked. */
  amount: number | null;
  currency: string | null;
  evidence_due_by: string | null;
  /** When the deadline job warned that evidence_due_by approaches. */
  deadline_warned_at: string | null;
  /** When the deadline job found evidence_due_by passed without a response. */
  deadline_flagged_at: string | null;
  /** Our charge row; null until the transaction is known (linked when it arrives). */
  transaction_id: number | null;
  provider: string;
  provider_dispute_id: string;
  provider_charge_id: string | null;
  provider_payment_intent_id: string | null;
  /** Fraud warnings: whether the charge can still be refunded to avoid a dispute; null for chargebacks. */
  actionable: boolean | null;
  created_at: string;
  updated_at: string;
}

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export function toDisputeResource(row: DisputeEntity): DisputeResource {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    provider_status: row.providerStatus,
    reason: row.reason,
    amount: row.amount,
    currency: row.currency,
    evidence_due_by: iso(row.evidenceDueBy),
    deadline_warned_at: iso(row.deadlineWarnedAt),
    deadline_flagged_at: iso(row.deadlineFlaggedAt),
    transaction_id: row.transactionId,
    provider: row.provider,
    provider_dispute_id: row.providerDisputeId,
    provider_charge_id: row.providerChargeId,
    provider_payment_intent_id: row.providerPaymentIntentId,
    actionable: row.actionable,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
