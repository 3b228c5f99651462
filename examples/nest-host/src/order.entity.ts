import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** The host's own table: an order paid through the payment service. */
@Entity('shop_order')
export class Order {
  @PrimaryGeneratedColumn()
  id: number;

  /** The checkout session's customer reference (the host's own user id). */
  @Column({ type: 'text' })
  customerRef: string;

  @Column({ type: 'text', unique: true })
  checkoutSessionId: string;

  @Column({ type: 'integer' })
  amount: number;

  @Column({ type: 'text' })
  currency: string;

  @CreateDateColumn({ type: 'timestamptz' })
  paidAt: Date;
}
