import { Check, Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { bigintNumber } from '../../database/columns';
import { BaseRow } from '../../database/base.entity';
import { CustomerEntity } from '../../customers/entities/customer.entity';

export type TransactionType = 'charge' | 'refund';
export type TransactionStatus =
  'pending' | 'succeeded' | 'failed' | 'canceled' | 'refunded' | 'partially_refunded';

/** One row per money movement: a charge, or a refund linked to its charge. */
@Entity('payment_transaction')
@Index('uq_payment_transaction_charge_payment_intent', ['provider', 'providerPaymentIntentId'], {
  unique: true,
  where: `type = 'charge' AND provider_payment_intent_id IS NOT NULL`,
})
@Index('uq_payment_transaction_charge_invoice', ['provider', 'providerInvoiceId'], {
  unique: true,
  where: `type = 'charge' AND provider_invoice_id IS NOT NULL`,
})
@Index('uq_payment_transaction_charge_charge', ['provider', 'providerChargeId'], {
  unique: true,
  where: `type = 'charge' AND provider_charge_id IS NOT NULL`,
})
@Index('uq_payment_transaction_refund', ['provider', 'providerRefundId'], {
  unique: true,
  where: 'provider_refund_id IS NOT NULL',
})
@Index('uq_payment_transaction_idempotency_key', ['idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
@Index('ix_payment_transaction_created', ['createdAt', 'id'])
// The API list (DESIGN §6.0) filters by status, type and customer_ref and orders by
// (created_at, id): each filter has an index on (filter columns, created_at, id), so a
// page or a cursor is one range scan whatever the data (a busy customer, a rare status);
// all three filters use the customer + status one and filter the type within it.
@Index('ix_payment_transaction_status_created', ['status', 'createdAt', 'id'])
@Index('ix_payment_transaction_type_created', ['type', 'createdAt', 'id'])
@Index('ix_payment_transaction_type_status_created', ['type', 'status', 'createdAt', 'id'])
@Index('ix_payment_transaction_customer_ref', ['customerRef', 'createdAt', 'id'], {
  where: 'customer_ref IS NOT NULL',
})
@Index('ix_payment_transaction_customer_status', ['customerRef', 'status', 'createdAt', 'id'], {
  where: 'customer_ref IS NOT NULL',
})
@Index('ix_payment_transaction_customer_type', ['customerRef', 'type', 'createdAt', 'id'], {
  where: 'customer_ref IS NOT NULL',
})
@Index('ix_payment_transaction_checkout_session', ['checkoutSessionId'], {
  where: 'checkout_session_id IS NOT NULL',
})
@Index('ix_payment_transaction_parent', ['parentTransactionId'], {
  where: 'parent_transaction_id IS NOT NULL',
})
@Index('ix_payment_transaction_subscription', ['subscriptionId'], {
  where: 'subscription_id IS NOT NULL',
})
// Children that arrived before their parent: refunds before their charge, invoice charges
// before their subscription. Refunds of payments made elsewhere stay orphans for good: the
// linking lookups go by these indexes, never over the whole set.
@Index('ix_payment_transaction_orphan_refunds', ['providerPaymentIntentId', 'providerChargeId'], {
  where: `type = 'refund' AND parent_transaction_id IS NULL`,
})
// The same orphans by charge id alone (a refund event may name only the charge).
@Index('ix_payment_transaction_orphan_refunds_charge', ['providerChargeId'], {
  where: `type = 'refund' AND parent_transaction_id IS NULL`,
})
@Index('ix_payment_transaction_unlinked_invoice_charges', ['provider', 'providerSubscriptionId'], {
  where: `type = 'charge' AND subscription_id IS NULL AND provider_subscription_id IS NOT NULL`,
})
@Check('ck_payment_transaction_type', `type IN ('charge', 'refund')`)
@Check(
  'ck_payment_transaction_status',
  `status IN ('pending', 'succeeded', 'failed', 'canceled', 'refunded', 'partially_refunded')`,
)
@Check('ck_payment_transaction_currency', `currency ~ '^[a-z]{3}$'`)
@Check(
  'ck_payment_transaction_amounts',
  `amount >= 0 AND amount_refunded >= 0 AND amount_refunded <= amount`,
)
export class TransactionEntity extends BaseRow {
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 16 })
  type: TransactionType;

  @Column({ type: 'varchar', length: 32 })
  status: TransactionStatus;

  @Column({ type: 'bigint', transformer: bigintNumber })
  amount: number;

  @Column({ type: 'bigint', default: 0, transformer: bigintNumber })
  amountRefunded: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'text', nullable: true })
  description: string | null;

  /** Refund reason (free text, kept locally) or the provider's failure message. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'integer', nullable: true })
  customerId: number | null;

  @ManyToOne(() => CustomerEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'fk_payment_transaction_customer' })
  customer?: CustomerEntity | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  customerRef: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerPaymentIntentId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerChargeId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerInvoiceId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerRefundId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerSubscriptionId: string | null;

  /** The provider's checkout session id (cs_…), as the API exposes it. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  checkoutSessionId: string | null;

  @Column({ type: 'integer', nullable: true })
  subscriptionId: number | null;

  // By entity name: the ledger does not import the subscriptions feature (DESIGN §10); the
  // foreign key stays as the migrations made it.
  @ManyToOne('SubscriptionEntity', { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({
    name: 'subscription_id',
    foreignKeyConstraintName: 'fk_payment_transaction_subscription',
  })
  subscription?: { id: number } | null;

  /** On refunds: the charge refunded. */
  @Column({ type: 'integer', nullable: true })
  parentTransactionId: number | null;

  @ManyToOne(() => TransactionEntity, { nullable: true, onDelete: 'RESTRICT' })
  @JoinColumn({
    name: 'parent_transaction_id',
    foreignKeyConstraintName: 'fk_payment_transaction_parent',
  })
  parent?: TransactionEntity | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, string>;

  /** A refund requested through our API: the key it was sent to the provider with. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  idempotencyKey: string | null;

  /** With idempotencyKey: a digest of the request it came with, so the key cannot be reused for another. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  requestFingerprint: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  providerUpdatedAt: Date | null;
}
