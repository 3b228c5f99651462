import { Check, Column, Entity, Index, JoinColumn, ManyToOne, Unique } from 'typeorm';
import { bigintNumber } from '../../database/columns';
import { BaseRow } from '../../database/base.entity';
import { TransactionEntity } from '../../transactions/entities/transaction.entity';

export type DisputeKind = 'chargeback' | 'fraud_warning';
export const DISPUTE_STATUSES = [
  'warning_issued',
  'needs_response',
  'under_review',
  'won',
  'lost',
  'charge_refunded',
  'warning_closed',
  'prevented',
] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

/** A chargeback (dp_…) or an early fraud warning (issfr_…). */
@Entity('payment_dispute')
@Unique('uq_payment_dispute_provider_id', ['provider', 'providerDisputeId'])
@Index('ix_payment_dispute_created', ['createdAt', 'id'])
// The API list's filters, each followed by its order (created_at, id): DESIGN §6.0.
// `status=open` (OPEN_DISPUTE_STATUSES) has its own partial index.
@Index('ix_payment_dispute_status_created', ['status', 'createdAt', 'id'])
@Index('ix_payment_dispute_open_created', ['createdAt', 'id'], {
  where: `status IN ('warning_issued', 'needs_response', 'under_review')`,
})
@Index('ix_payment_dispute_charge', ['providerChargeId'], {
  where: 'provider_charge_id IS NOT NULL',
})
@Index('ix_payment_dispute_payment_intent', ['providerPaymentIntentId'], {
  where: 'provider_payment_intent_id IS NOT NULL',
})
@Index('ix_payment_dispute_unlinked', ['id'], { where: 'transaction_id IS NULL' })
// The deadline job's scan: disputes still awaiting a response, by deadline.
@Index('ix_payment_dispute_awaiting_response', ['evidenceDueBy'], {
  where: `evidence_due_by IS NOT NULL AND deadline_flagged_at IS NULL AND provider_status IN ('needs_response', 'warning_needs_response', 'appeal_needs_response')`,
})
@Check('ck_payment_dispute_kind', `kind IN ('chargeback', 'fraud_warning')`)
@Check(
  'ck_payment_dispute_status',
  `status IN ('warning_issued', 'needs_response', 'under_review', 'won', 'lost', 'charge_refunded', 'warning_closed', 'prevented')`,
)
export class DisputeEntity extends BaseRow {
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 255 })
  providerDisputeId: string;

  @Column({ type: 'varchar', length: 16 })
  kind: DisputeKind;

  @Column({ type: 'integer', nullable: true })
  transactionId: number | null;

  @ManyToOne(() => TransactionEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({
    name: 'transaction_id',
    foreignKeyConstraintName: 'fk_payment_dispute_transaction',
  })
  transaction?: TransactionEntity | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerChargeId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerPaymentIntentId: string | null;

  @Column({ type: 'varchar', length: 32 })
  status: DisputeStatus;

  /** The provider's status (or fraud type for warnings), unmapped. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  providerStatus: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  reason: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  amount: number | null;

  @Column({ type: 'varchar', length: 3, nullable: true })
  currency: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  evidenceDueBy: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  deadlineWarnedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  deadlineFlaggedAt: Date | null;

  /** Early fraud warnings: whether the charge can still be refunded/disputed. */
  @Column({ type: 'boolean', nullable: true })
  actionable: boolean | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, string>;

  @Column({ type: 'timestamptz', nullable: true })
  providerUpdatedAt: Date | null;
}
