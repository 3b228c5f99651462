import type { EntityManager } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import { isRowId } from '../common/parse-id.pipe';
import { queryEntities, updateReturning } from '../database/entity-from-row';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import { chargeAfterRefunds } from './charge-totals';
import { LOCK_CHARGE_PREFER_INTENT_SQL } from './charge-lookups';

/*
 * The database side of refunds, shared by the API flow and the webhook
 * handlers. Every function runs inside the caller's transaction. Lock order is
 * always: the charge first, then its refund rows — so that the two flows
 * serialise on the charge and never deadlock.
 */

/** Locks any transaction row by id (the caller checks it is a charge). 404 when there is none. */
export async function lockTransaction(
  manager: EntityManager,
  id: number,
): Promise<TransactionEntity> {
  const row = isRowId(id)
    ? await manager.findOne(TransactionEntity, {
        where: { id },
        lock: { mode: 'pessimistic_write' },
      })
    : null;
  if (!row) throw new NotFoundError('Transaction', id);
  return row;
}

/** Locks the charge a provider refund belongs to: found by payment intent, else by charge id. */
export async function lockChargeByProviderIds(
  manager: EntityManager,
  provider: string,
  ids: { paymentIntentId: string | null; chargeId: string | null },
): Promise<TransactionEntity | null> {
  if (!ids.paymentIntentId && !ids.chargeId) return null;
  // One statement: the row of the payment intent first, else the row of the charge id.
  const [row] = await queryEntities(manager, TransactionEntity, LOCK_CHARGE_PREFER_INTENT_SQL, [
    provider,
    ids.paymentIntentId ?? null,
    ids.chargeId ?? null,
  ]);
  return row ?? null;
}

/** Locks a refund row by its provider refund id. */
export async function lockRefundByProviderId(
  manager: EntityManager,
  provider: string,
  providerRefundId: string,
): Promise<TransactionEntity | null> {
  const [row] = await queryEntities(
    manager,
    TransactionEntity,
    `SELECT * FROM payment_transaction
      WHERE provider = $1 AND type = 'refund' AND provider_refund_id = $2 FOR UPDATE`,
    [provider, providerRefundId],
  );
  return row ?? null;
}

/** Locks a refund row by our id, when it is one (a webhook's refund_ref may name anything). */
export async function lockRefundById(
  manager: EntityManager,
  provider: string,
  id: number,
): Promise<TransactionEntity | null> {
  if (!isRowId(id)) return null;
  return manager.findOne(TransactionEntity, {
    where: { id, provider, type: 'refund' },
    lock: { mode: 'pessimistic_write' },
  });
}

/**
 * Links refunds recorded before their charge row existed (parent null, kept by
 * payment intent / charge id) to the charge. Returns how many were linked.
 */
export async function adoptOrphanRefunds(
  manager: EntityManager,
  charge: TransactionEntity,
): Promise<number> {
  if (!charge.providerPaymentIntentId && !charge.providerChargeId) return 0;
  const result = await manager
    .createQueryBuilder()
    .update(TransactionEntity)
    .set({
      parentTransactionId: charge.id,
      customerId: () => 'COALESCE(customer_id, :customerId)',
      customerRef: () => 'COALESCE(customer_ref, :customerRef)',
    })
    .where(`type = 'refund' AND parent_transaction_id IS NULL AND provider = :provider`)
    .andWhere('(provider_payment_intent_id = :paymentIntentId OR provider_charge_id = :chargeId)')
    .setParameters({
      provider: charge.provider,
      paymentIntentId: charge.providerPaymentIntentId,
      chargeId: charge.providerChargeId,
      customerId: charge.customerId,
      customerRef: charge.customerRef,
    })
    .execute();
  return result.affected ?? 0;
}

/** The refund rows of a charge, oldest first. */
export function refundsOf(manager: EntityManager, chargeId: number): Promise<TransactionEntity[]> {
  return queryEntities(
    manager,
    TransactionEntity,
    `SELECT * FROM payment_transaction
      WHERE parent_transaction_id = $1 AND type = 'refund' ORDER BY id`,
    [chargeId],
  );
}

/**
 * Sets the charge's amount_refunded and status from its refund rows (the charge
 * must be locked). Returns the charge as stored.
 */
export async function recomputeCharge(
  manager: EntityManager,
  charge: TransactionEntity,
): Promise<TransactionEntity> {
  const next = chargeAfterRefunds(charge, await refundsOf(manager, charge.id));
  if (next.amountRefunded !== charge.amountRefunded || next.status !== charge.status) {
    // The UPDATE returns the row as stored: no read back.
    const stored = await updateReturning(manager, TransactionEntity, charge.id, next);
    if (stored !== undefined) return stored;
  }
  return manager.findOneByOrFail(TransactionEntity, { id: charge.id });
}
