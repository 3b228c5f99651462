import { Check, Column, Entity, Index, JoinColumn, ManyToOne, Unique } from 'typeorm';
import { BaseRow } from '../../database/base.entity';
import {
  SUBSCRIPTION_STATUSES,
  type SubscriptionStatus,
} from '../../payment-provider/payment-provider.types';
import { CustomerEntity } from '../../customers/entities/customer.entity';

// The row keeps the provider's status as it is.
export { SUBSCRIPTION_STATUSES, type SubscriptionStatus };

/** A change asked of the provider whose outcome is not known yet (DESIGN §9). */
export type PendingSubscriptionChange = 'cancel_at_period_end' | 'resume';

/** Mirrors the provider's subscription; webhooks keep it in step. */
@Entity('payment_subscription')
@Unique('uq_payment_subscription_provider_id', ['provider', 'providerSubscriptionId'])
@Index('ix_payment_subscription_created', ['createdAt', 'id'])
// The API list's filters, each followed by its order (created_at, id): DESIGN §6.0.
@Index('ix_payment_subscription_status_created', ['status', 'createdAt', 'id'])
@Index('ix_payment_subscription_customer_ref', ['customerRef', 'createdAt', 'id'], {
  where: 'customer_ref IS NOT NULL',
})
@Index('ix_payment_subscription_customer_status', ['customerRef', 'status', 'createdAt', 'id'], {
  where: 'customer_ref IS NOT NULL',
})
// The settling job's work list: cancels / resumes whose provider outcome is unknown.
@Index('ix_payment_subscription_pending_change', ['pendingChangeRequestedAt'], {
  where: 'pending_change IS NOT NULL',
})
@Check(
  'ck_payment_subscription_pending_change',
  `pending_change IN ('cancel_at_period_end', 'resume')`,
)
@Check(
  'ck_payment_subscription_status',
  `status IN ('incomplete', 'incomplete_expired', 'trialing', 'active', 'past_due', 'canceled', 'unpaid', 'paused')`,
)
export class SubscriptionEntity extends BaseRow {
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 255 })
  providerSubscriptionId: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerCustomerId: string | null;

  @Column({ type: 'integer', nullable: true })
  customerId: number | null;

  @ManyToOne(() => CustomerEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'fk_payment_subscription_customer' })
  customer?: CustomerEntity | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  customerRef: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  priceId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  planName: string | null;

  @Column({ type: 'integer', default: 1 })
  quantity: number;

  @Column({ type: 'varchar', length: 32 })
  status: SubscriptionStatus;

  @Column({ type: 'timestamptz', nullable: true })
  currentPeriodStart: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  currentPeriodEnd: Date | null;

  @Column({ type: 'boolean', default: false })
  cancelAtPeriodEnd: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  cancelAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  canceledAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  endedAt: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  trialEnd: Date | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, string>;

  @Column({ type: 'timestamptz', nullable: true })
  providerUpdatedAt: Date | null;

  /**
   * A cancel / resume whose provider call had an unknown outcome (timeout, reset after sending,
   * 5xx): answered 202, and settled by the settling job (re-sent with pendingChangeKey) or by the
   * webhook that shows the change. null when nothing is pending.
   */
  @Column({ type: 'varchar', length: 32, nullable: true })
  pendingChange: PendingSubscriptionChange | null;

  /** When the pending change was asked for (its first provider call). */
  @Column({ type: 'timestamptz', nullable: true })
  pendingChangeRequestedAt: Date | null;

  /** The idempotency key the pending change was sent with; re-sends use it. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  pendingChangeKey: string | null;
}
