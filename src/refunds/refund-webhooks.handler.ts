import { insertReturning } from '../database/entity-from-row';
import { Injectable } from '@nestjs/common';
import { PaymentEvents } from '../events/payment-events';
import type {
  ChangeOf,
  RawObject,
  RefundSnapshot,
} from '../payment-provider/payment-provider.types';
import {
  TransactionEntity,
  type TransactionStatus,
} from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import type { WebhookContext } from '../webhooks/webhook-handler.registry';
import {
  adoptOrphanRefunds,
  lockChargeByProviderIds,
  lockRefundById,
  lockRefundByProviderId,
  recomputeCharge,
} from './refund-ledger';
import { isStale, nextRefundStatus } from './refund-math';
import { RefundCreatedEvent, RefundUpdatedEvent } from './refunds.events';
import { REFUND_REASON_METADATA_KEY, REFUND_ROW_METADATA_KEY } from './refund-metadata';

type Outcome =
  /** row: as the insert returned it (not read back). */
  | { kind: 'created'; rowId: number; row: TransactionEntity }
  | { kind: 'updated' | 'unchanged'; rowId: number; previousStatus: TransactionStatus }
  | { kind: 'stale' };

/**
 * Keeps refund rows in step with the provider's `charge.refunded` and
 * `refund.created / updated / failed` events — refunds made through our API
 * and in the provider's dashboard alike. A refund is one row, keyed by its
 * provider refund id; the charge's totals are recomputed from its rows, never
 * taken from the provider's cumulative amount_refunded.
 *
 * A refund whose charge row is not here (yet) is kept with parent null and its
 * payment intent / charge ids, and linked to the charge as soon as refunds
 * touch that charge again (adoptOrphanRefunds). Failing the webhook instead
 * would retry forever for charges that are not ours (the inbox only records
 * charges of our own checkouts and subscriptions).
 */
@Injectable()
export class RefundWebhookHandlers {
  async onChargeRefunded(change: ChangeOf<'charge.refunded'>, ctx: WebhookContext): Promise<void> {
    const charged = change.charge;
    const charge = await lockChargeByProviderIds(ctx.manager, ctx.provider, {
      paymentIntentId: charged.paymentIntentId,
      chargeId: charged.id,
    });
    if (charge) await adoptOrphanRefunds(ctx.manager, charge);
    const outcomes: Outcome[] = [];
    // Newer API versions list no refunds here (they come as refund.* events): nothing to record then.
    for (const refund of charged.refunds) {
      const linked = {
        ...refund,
        chargeId: refund.chargeId ?? charged.id,
        paymentIntentId: refund.paymentIntentId ?? charged.paymentIntentId,
      };
      outcomes.push(await this.record(ctx, linked, charge));
    }
    await this.finish(ctx, charge, outcomes, change.raw, 'created');
  }

  async onRefundChanged(change: ChangeOf<'refund.changed'>, ctx: WebhookContext): Promise<void> {
    const { refund } = change;
    const charge = await lockChargeByProviderIds(ctx.manager, ctx.provider, {
      paymentIntentId: refund.paymentIntentId,
      chargeId: refund.chargeId,
    });
    if (charge) await adoptOrphanRefunds(ctx.manager, charge);
    const outcome = await this.record(ctx, refund, charge);
    await this.finish(
      ctx,
      charge,
      [outcome],
      change.raw,
      change.action === 'created' ? 'created' : 'updated',
    );
  }

  /** Creates or updates the one row of a provider refund. The charge, when known, is locked already. */
  private async record(
    ctx: WebhookContext,
    refund: RefundSnapshot,
    charge: TransactionEntity | null,
  ): Promise<Outcome> {
    const { manager } = ctx;
    let row =
      (await lockRefundByProviderId(manager, ctx.provider, refund.id)) ??
      (await this.ourPendingRow(ctx, refund, charge));
    if (!row) {
      const created = await this.insert(ctx, refund, charge);
      if (created !== null) return { kind: 'created', rowId: created.id, row: created };
      // Another delivery inserted it meanwhile (refunds of unknown charges are not serialised by a charge lock).
      row = await lockRefundByProviderId(manager, ctx.provider, refund.id);
      if (!row) throw new Error(`refund ${refund.id} could not be inserted nor found`);
    }
    if (isStale(row.providerUpdatedAt, ctx.occurredAt)) return { kind: 'stale' };

    // Until the provider has spoken about this row, its status is our own guess (pending, or failed locally).
    const confirmed = row.providerRefundId !== null || row.providerUpdatedAt !== null;
    const status = nextRefundStatus(row.status, refund.status, confirmed);
    const metadata =
      status === 'failed' && refund.failureReason
        ? { ...row.metadata, failure_reason: refund.failureReason }
        : row.metadata;
    await manager.update(TransactionEntity, row.id, {
      providerRefundId: refund.id,
      status,
      amount: refund.amount,
      currency: refund.currency,
      providerUpdatedAt: ctx.occurredAt,
      providerPaymentIntentId: row.providerPaymentIntentId ?? refund.paymentIntentId,
      providerChargeId: row.providerChargeId ?? refund.chargeId,
      parentTransactionId: row.parentTransactionId ?? charge?.id ?? null,
      customerId: row.customerId ?? charge?.customerId ?? null,
      customerRef: row.customerRef ?? charge?.customerRef ?? null,
      reason: row.reason ?? reasonOf(refund),
      metadata,
    });
    return {
      kind: status === row.status ? 'unchanged' : 'updated',
      rowId: row.id,
      previousStatus: row.status,
    };
  }

  /**
   * The row our API reserved for this refund, when the webhook overtook the
   * API's own recording of the provider's answer: the refund carries our row
   * id in its metadata. Trusted only if it is a refund of this charge with the
   * same amount that has no provider refund id yet.
   */
  private async ourPendingRow(
    ctx: WebhookContext,
    refund: RefundSnapshot,
    charge: TransactionEntity | null,
  ): Promise<TransactionEntity | null> {
    const ref = refund.metadata[REFUND_ROW_METADATA_KEY];
    if (!charge || !ref || !/^\d{1,10}$/.test(ref)) return null;
    const row = await lockRefundById(ctx.manager, ctx.provider, Number(ref));
    if (!row || row.providerRefundId !== null || row.parentTransactionId !== charge.id) return null;
    if (row.amount !== refund.amount || row.currency !== refund.currency) return null;
    return row;
  }

  /** Inserts a refund made outside our API; null when a concurrent delivery inserted it first. */
  private async insert(
    ctx: WebhookContext,
    refund: RefundSnapshot,
    charge: TransactionEntity | null,
  ): Promise<TransactionEntity | null> {
    const inserted = await insertReturning(
      ctx.manager,
      TransactionEntity,
      {
        provider: ctx.provider,
        type: 'refund',
        status: refund.status,
        amount: refund.amount,
        amountRefunded: 0,
        currency: refund.currency,
        description: charge?.description ?? null,
        reason: reasonOf(refund),
        customerId: charge?.customerId ?? null,
        customerRef: charge?.customerRef ?? null,
        providerPaymentIntentId: refund.paymentIntentId ?? charge?.providerPaymentIntentId ?? null,
        providerChargeId: refund.chargeId ?? charge?.providerChargeId ?? null,
        providerRefundId: refund.id,
        parentTransactionId: charge?.id ?? null,
        metadata:
          refund.status === 'failed' && refund.failureReason
            ? { ...refund.metadata, failure_reason: refund.failureReason }
            : { ...refund.metadata },
        idempotencyKey: null,
        providerUpdatedAt: ctx.occurredAt,
      },
      { onConflictDoNothing: true },
    );
    return inserted ?? null;
  }

  /**
   * Recomputes the charge, then queues the domain events. A change already
   * applied is announced again only when this event is being re-run (a retry
   * after a failure, or a replay), so that a listener that failed gets it.
   */
  private async finish(
    ctx: WebhookContext,
    charge: TransactionEntity | null,
    outcomes: Outcome[],
    raw: RawObject,
    rerunName: 'created' | 'updated',
  ): Promise<void> {
    const updatedCharge = charge ? await recomputeCharge(ctx.manager, charge) : null;
    const chargeResource = updatedCharge ? toTransactionResource(updatedCharge) : null;
    const rerun = outcomes.some((o) => o.kind === 'unchanged') && ctx.rerun;
    const base = {
      charge: chargeResource,
      providerEventId: ctx.eventId,
      occurredAt: ctx.occurredAt,
      raw,
    };
    for (const outcome of outcomes) {
      if (outcome.kind === 'stale' || (outcome.kind === 'unchanged' && !rerun)) continue;
      // A row inserted by this event is announced as its insert returned it, unless the same
      // event also wrote it again (a refund listed twice): then as stored.
      const row =
        outcome.kind === 'created' &&
        outcomes.filter((o) => o.kind !== 'stale' && o.rowId === outcome.rowId).length === 1
          ? outcome.row
          : await ctx.manager.findOneByOrFail(TransactionEntity, { id: outcome.rowId });
      const refund = toTransactionResource(row);
      // On a re-run, a row this kind of event creates (not one our API made) is announced as created again.
      if (
        outcome.kind === 'created' ||
        (outcome.kind === 'unchanged' && rerunName === 'created' && row.idempotencyKey === null)
      ) {
        ctx.emit(PaymentEvents.REFUND_CREATED, new RefundCreatedEvent({ ...base, refund }));
      } else {
        ctx.emit(
          PaymentEvents.REFUND_UPDATED,
          new RefundUpdatedEvent({ ...base, refund, previousStatus: outcome.previousStatus }),
        );
      }
    }
  }
}

/** Free text we sent along (metadata), else the provider's own reason code. */
function reasonOf(refund: RefundSnapshot): string | null {
  return refund.metadata[REFUND_REASON_METADATA_KEY] ?? refund.reason ?? null;
}
