import { Injectable } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource } from 'typeorm';
import { OnPaymentEvent } from '../events/on-payment-event.decorator';
import { PaymentEvents } from '../events/payment-events';
import { findCharge, transactionById } from '../ledger/charge-rows';
import {
  adoptOrphanRefunds,
  lockChargeByProviderIds,
  lockTransaction,
  recomputeCharge,
} from './refund-ledger';
import type { RefundCreatedEvent } from './refunds.events';

/** The part of a transaction / invoice / checkout event we rely on; those payload classes belong to other features. */
interface TransactionEventLike {
  transaction?: { id?: unknown } | null;
}

/**
 * Whether refunds are waiting (kept with parent null) for the charge of provider $1, payment
 * intent $2, charge id $3: each id one lookup of its own index (ix_payment_transaction_orphan_refunds,
 * ix_payment_transaction_orphan_refunds_charge). Values, not a join to the charge row: joined,
 * stale statistics made the planner walk every orphan refund.
 */
export const ORPHAN_REFUNDS_WAITING_SQL = `SELECT EXISTS (
    SELECT 1 FROM payment_transaction
     WHERE type = 'refund' AND parent_transaction_id IS NULL AND provider = $1
       AND (provider_payment_intent_id = $2 OR provider_charge_id = $3)) AS waiting`;

/**
 * Links refunds that arrived before their charge row (kept with parent null)
 * as soon as the charge is known, and recomputes the charge. Two triggers
 * close the race between the refund's webhook and the charge's, whichever
 * commits last: the charge's own event, and a re-check right after the
 * orphan refund's commit. Both are idempotent (a listener failure fails the
 * webhook, which is retried).
 */
@Injectable()
export class RefundOrphansListener {
  constructor(@InjectPaymentDataSource() private readonly dataSource: DataSource) {}

  @OnPaymentEvent(PaymentEvents.TRANSACTION_SUCCEEDED)
  async onTransactionSucceeded(event: TransactionEventLike): Promise<void> {
    await this.adoptInto(event.transaction?.id);
  }

  @OnPaymentEvent(PaymentEvents.INVOICE_PAID)
  async onInvoicePaid(event: TransactionEventLike): Promise<void> {
    await this.adoptInto(event.transaction?.id);
  }

  @OnPaymentEvent(PaymentEvents.CHECKOUT_COMPLETED)
  async onCheckoutCompleted(event: TransactionEventLike): Promise<void> {
    await this.adoptInto(event.transaction?.id);
  }

  @OnPaymentEvent(PaymentEvents.REFUND_CREATED)
  async onRefundCreated(event: RefundCreatedEvent): Promise<void> {
    const { refund } = event;
    if (refund.parent_transaction_id !== null) return;
    const ids = {
      providerPaymentIntentId: refund.provider_payment_intent_id,
      providerChargeId: refund.provider_charge_id,
    };
    // A refund of a payment not recorded here (yet): one read says so. If its charge commits
    // after this read, the charge's own event adopts the refund (adoptInto).
    if (!(await findCharge(this.dataSource.manager, refund.provider, ids))) return;
    await this.dataSource.transaction(async (manager) => {
      const charge = await lockChargeByProviderIds(manager, refund.provider, {
        paymentIntentId: refund.provider_payment_intent_id,
        chargeId: refund.provider_charge_id,
      });
      if (charge && (await adoptOrphanRefunds(manager, charge)) > 0)
        await recomputeCharge(manager, charge);
    });
  }

  private async adoptInto(chargeId: unknown): Promise<void> {
    if (typeof chargeId !== 'number') return;
    const charge = await transactionById(this.dataSource.manager, chargeId);
    if (!charge || charge.type !== 'charge') return;
    // Nearly every payment has no refund waiting for it: a cheap look first.
    const [{ waiting }] = await this.dataSource.query<{ waiting: boolean }[]>(
      ORPHAN_REFUNDS_WAITING_SQL,
      [charge.provider, charge.providerPaymentIntentId, charge.providerChargeId],
    );
    if (!waiting) return;
    await this.dataSource.transaction(async (manager) => {
      const locked = await lockTransaction(manager, chargeId);
      if ((await adoptOrphanRefunds(manager, locked)) > 0) await recomputeCharge(manager, locked);
    });
  }
}
