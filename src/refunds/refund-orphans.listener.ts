import { Injectable } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource } from 'typeorm';
import { isRowId } from '../common/parse-id.pipe';
import { OnPaymentEvent } from '../events/on-payment-event.decorator';
import { PaymentEvents } from '../events/payment-events';
import { findCharge } from '../ledger/charge-rows';
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
 * Whether refunds are waiting (kept with parent null) for the charge row $1, in one read: the
 * charge's provider, payment intent and charge id are read first (InitPlans) and each id is one
 * lookup of its own index (ix_payment_transaction_orphan_refunds,
 * ix_payment_transaction_orphan_refunds_charge). Values, not a join to the charge row: joined,
 * stale statistics made the planner walk every orphan refund. False when $1 is not a charge.
 */
export const ORPHAN_REFUNDS_WAITING_SQL = `WITH t AS MATERIALIZED (
    SELECT provider, provider_payment_intent_id, provider_charge_id FROM payment_transaction
     WHERE id = $1 AND type = 'charge')
  SELECT EXISTS (
    SELECT 1 FROM payment_transaction
     WHERE type = 'refund' AND parent_transaction_id IS NULL
       AND provider = (SELECT provider FROM t)
       AND (provider_payment_intent_id = (SELECT provider_payment_intent_id FROM t)
            OR provider_charge_id = (SELECT provider_charge_id FROM t))) AS waiting`;

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
    if (!isRowId(chargeId)) return;
    // Nearly every payment has no refund waiting for it: one cheap read says so.
    const [{ waiting }] = await this.dataSource.query<{ waiting: boolean }[]>(
      ORPHAN_REFUNDS_WAITING_SQL,
      [chargeId],
    );
    if (!waiting) return;
    await this.dataSource.transaction(async (manager) => {
      const locked = await lockTransaction(manager, chargeId);
      if ((await adoptOrphanRefunds(manager, locked)) > 0) await recomputeCharge(manager, locked);
    });
  }
}
