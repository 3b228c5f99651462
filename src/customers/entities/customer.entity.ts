import { Column, Entity, Index, Unique } from 'typeorm';
import { BaseRow } from '../../database/base.entity';

/** The provider customer made for one app user (external_ref), at most one per provider. */
@Entity('payment_customer')
@Unique('uq_payment_customer_provider_id', ['provider', 'providerCustomerId'])
@Index('uq_payment_customer_external_ref', ['provider', 'externalRef'], {
  unique: true,
  where: 'external_ref IS NOT NULL',
})
export class CustomerEntity extends BaseRow {
  @Column({ type: 'varchar', length: 32 })
  provider: string;

  @Column({ type: 'varchar', length: 255 })
  providerCustomerId: string;

  /** The app's own user id (customer_ref in the API). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  externalRef: string | null;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email: string | null;
}
