import { Injectable } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource } from 'typeorm';
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
 * Whether charge $1 (a charge) has refunds waiting for it (kept with parent null): by its payment
 * intent id, or by its charge id, each one index lookup of a value (joined to the charge instead,
 * stale statistics made the planner walk every orphan refund).
 */
export const ORPHAN_REFUNDS_WAITING_SQL = `WITH c AS MATERIALIZED (
    SELECT provider, provider_payment_intent_id, provider_charge_id
      FROM payment_transaction WHERE id = $1 AND type = 'charge'
  )
  SELECT EXISTS (
           SELECT 1 FROM payment_transaction r
            WHERE r.provider_payment_intent_id = (SELECT provider_payment_intent_id FROM c)
              AND r.type = 'refund' AND r.parent_transaction_id IS NULL
              AND r.provider = (SELECT provider FROM c))
      OR EXISTS (
           SELECT 1 FROM payment_transaction r
            WHERE r.provider_charge_id = (SELECT provider_charge_id FROM c)
              AND r.type = 'refund' AND r.parent_transaction_id IS NULL
              AND r.provider = (SELECT provider FROM c))
         AS waiting`;

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
    // Nearly every payment has no refund waiting for it: one read says so.
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
