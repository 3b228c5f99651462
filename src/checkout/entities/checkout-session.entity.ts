import { Check, Column, Entity, Index, JoinColumn, ManyToOne, Unique } from 'typeorm';
import { bigintNumber } from '../../database/columns';
import { BaseRow } from '../../database/base.entity';
import { CustomerEntity } from '../../customers/entities/customer.entity';

export type CheckoutMode = 'payment' | 'subscription';
export type CheckoutStatus = 'open' | 'complete' | 'expired';

@Entity('payment_checkout_session')
@Unique('uq_payment_checkout_session_provider_id', ['provider', 'providerSessionId'])
@Index('uq_payment_checkout_session_idempotency_key', ['idempotencyKey'], {
  unique: true,
  where: 'idempotency_key IS NOT NULL',
})
@Index('uq_payment_checkout_session_intent_id', ['intentSessionId'], {
  unique: true,
  where: 'intent_session_id IS NOT NULL',
})
@Index('ix_payment_checkout_session_payment_intent', ['providerPaymentIntentId'], {
  where: 'provider_payment_intent_id IS NOT NULL',
})
@Index('ix_payment_checkout_session_subscription', ['providerSubscriptionId'], {
  where: 'provider_subscription_id IS NOT NULL',
})
@Check('ck_payment_checkout_session_mode', `mode IN ('payment', 'subscription')`)
@Check('ck_payment_checkout_session_status', `status IN ('open', 'complete', 'expired')`)
@Check('ck_payment_checkout_session_quantity', `quantity > 0`)
export class CheckoutSessionEntity extends BaseRow {
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 255 })
  providerSessionId: string;

  @Column({ type: 'varchar', length: 16 })
  mode: CheckoutMode;

  @Column({ type: 'varchar', length: 255 })
  priceId: string;

  @Column({ type: 'integer', default: 1 })
  quantity: number;

  @Column({ type: 'varchar', length: 16, default: 'open' })
  status: CheckoutStatus;

  /** The provider's: paid | unpaid | no_payment_required */
  @Column({ type: 'varchar', length: 32, nullable: true })
  paymentStatus: string | null;

  @Column({ type: 'integer', nullable: true })
  customerId: number | null;

  @ManyToOne(() => CustomerEntity, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({
    name: 'customer_id',
    foreignKeyConstraintName: 'fk_payment_checkout_session_customer',
  })
  customer?: CustomerEntity | null;

  /** The app's user id (customer_ref in the API). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  externalRef: string | null;

  @Column({ type: 'text', nullable: true })
  url: string | null;

  @Column({ type: 'text' })
  successUrl: string;

  @Column({ type: 'text' })
  cancelUrl: string;

  @Column({ type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintNumber })
  amountTotal: number | null;

  @Column({ type: 'varchar', length: 3, nullable: true })
  currency: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata: Record<string, string>;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerPaymentIntentId: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  providerSubscriptionId: string | null;

  /** Our transaction row for the payment (one-time mode), once known. */
  @Column({ type: 'integer', nullable: true })
  transactionId: number | null;

  /** Our subscription row (subscription mode), once known. */
  @Column({ type: 'integer', nullable: true })
  subscriptionId: number | null;

  /** The client's Idempotency-Key header, with a fingerprint of the request it came with. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  idempotencyKey: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  requestFingerprint: string | null;

  /**
   * The placeholder session id the row had before the provider's answer (intent first): what a
   * 202 answered, so GET /checkout/{that id} keeps finding the row once it has the provider's.
   */
  @Column({ type: 'varchar', length: 255, nullable: true })
  intentSessionId: string | null;

  /** The provider's last-change time (event `created`) applied to this row. */
  @Column({ type: 'timestamptz', nullable: true })
  providerUpdatedAt: Date | null;
}
