import { PaymentEventBase } from '../events/payment-events';
import type { TransactionStatus } from '../transactions/entities/transaction.entity';
import type { TransactionResource } from '../transactions/transaction.resource';

interface RefundEventInit {
  refund: TransactionResource;
  /** The charge refunded, after the refund was counted; null while the charge is unknown here. */
  charge: TransactionResource | null;
  providerEventId: string | null;
  occurredAt: Date;
  raw: Record<string, unknown> | null;
}

/**
 * `payment.refund.created`: a refund row appeared, made through our API (after
 * the provider accepted it; providerEventId null) or in the provider's dashboard
 * (from its webhook). `raw` is the webhook's object (the refund, or the charge
 * for `charge.refunded`).
 */
export class RefundCreatedEvent extends PaymentEventBase {
  readonly refund: TransactionResource;
  readonly charge: TransactionResource | null;

  constructor(init: RefundEventInit) {
    super(init);
    this.refund = init.refund;
    this.charge = init.charge;
  }
}

/** `payment.refund.updated`: a refund's status changed (e.g. pending → succeeded, or it failed and gave its amount back). */
export class RefundUpdatedEvent extends PaymentEventBase {
  readonly refund: TransactionResource;
  readonly charge: TransactionResource | null;
  /** The status before this change; equal to refund.status when a replayed webhook re-announces it. */
  readonly previousStatus: TransactionStatus;

  constructor(init: RefundEventInit & { previousStatus: TransactionStatus }) {
    super(init);
    this.refund = init.refund;
    this.charge = init.charge;
    this.previousStatus = init.previousStatus;
  }
}
