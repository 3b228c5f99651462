import type { EntityManager } from 'typeorm';
import { insertReturning, queryEntities, updateReturning } from '../database/entity-from-row';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import { RejectedEventError } from '../webhooks/webhook-handler.registry';
import { chargeAfterRefunds } from './charge-totals';
import { FIND_CHARGE_SQL, LOCK_CHARGE_SQL } from './charge-lookups';
import { refundsOf } from './refund-rows';

/*
 * Charge rows of payments (DESIGN charge rows policy), always through the caller's transaction.
 * Lock order, to keep concurrent events of one checkout from deadlocking: the feature's own row
 * (e.g. the checkout session) first, then its charge row.
 */

export interface ChargeKeys {
  paymentIntentId: string;
  chargeId?: string | null;
}

/** The charge row of a payment, found by payment intent or charge id (DESIGN charge rows policy). */
export async function lockCharge(
  manager: EntityManager,
  provider: string,
  keys: ChargeKeys,
): Promise<TransactionEntity | null> {
  // Raw SQL: the hot path of every payment event (the query builder cost more than the lookup).
  const [row] = await queryEntities(manager, TransactionEntity, LOCK_CHARGE_SQL, [
    provider,
    keys.paymentIntentId,
    keys.chargeId ?? null,
  ]);
  return row ?? null;
}

/** Whether and how to write the row: the caller's ordering policy decides. */
export type ChargeWriteDecision = { write: true } | { write: false };

export interface ChargeWrite<D extends ChargeWriteDecision> {
  decide(row: TransactionEntity | null): D;
  /** The columns to insert (row null) or update, given the decision. */
  values(
    row: TransactionEntity | null,
    decision: Extract<D, { write: true }>,
  ): Partial<TransactionEntity>;
  /** false: only update an existing row (e.g. link a declined attempt to its expired session). */
  createIfMissing: boolean;
  /** The row the caller already locked with the same keys (lockCharge), to spare the lookup. */
  locked?: TransactionEntity | null;
}

export interface ChargeWriteResult<D extends ChargeWriteDecision> {
  row: TransactionEntity | null;
  decision: D | null;
}

/**
 * Inserts or updates the charge row of a payment, race-safe: the insert is ON CONFLICT DO NOTHING
 * on the unique payment intent / charge indexes; when another transaction got there first we wait
 * for its row lock and decide again on what it wrote.
 */
export async function writeCharge<D extends ChargeWriteDecision>(
  manager: EntityManager,
  provider: string,
  keys: ChargeKeys,
  write: ChargeWrite<D>,
): Promise<ChargeWriteResult<D>> {
  let row = write.locked !== undefined ? write.locked : await lockCharge(manager, provider, keys);
  refuseChargeOfAnotherPayment(row, keys);
  if (row === null) {
    if (!write.createIfMissing) return { row: null, decision: null };
    const decision = write.decide(null);
    if (!decision.write) return { row: null, decision };
    const inserted = await insertReturning(
      manager,
      TransactionEntity,
      {
        ...write.values(null, decision as Extract<D, { write: true }>),
        type: 'charge',
        provider,
        amountRefunded: 0,
      },
      { onConflictDoNothing: true },
    );
    // A row just inserted has no refunds yet (none can name its id): nothing to recompute.
    if (inserted !== undefined) return { row: inserted, decision };
    row = await lockCharge(manager, provider, keys);
    refuseChargeOfAnotherPayment(row, keys);
    if (row === null)
      throw new Error(`charge row of ${keys.paymentIntentId} conflicts but cannot be found`);
  }
  const decision = write.decide(row);
  if (!decision.write) return { row, decision };
  const values = write.values(row, decision as Extract<D, { write: true }>);
  // Whichever event arrives last, the charge is recomputed from its refunds (a payment that
  // succeeds after a refund of it was recorded is partially_refunded or refunded, not succeeded):
  // the refunds are read first (the charge is locked, so none comes or goes meanwhile) and the
  // change and the totals are written in one UPDATE that returns the row as stored.
  const totals = chargeAfterRefunds({ ...row, ...values }, await refundsOf(manager, row.id));
  const written = await updateReturning(manager, TransactionEntity, row.id, {
    ...values,
    ...totals,
  });
  if (written === undefined) throw new Error(`charge row ${row.id} vanished while locked`);
  return { row: written, decision };
}

/** A charge id is one payment's: an event pairing it with another payment can never apply. */
function refuseChargeOfAnotherPayment(row: TransactionEntity | null, keys: ChargeKeys): void {
  if (
    row !== null &&
    keys.chargeId &&
    row.providerChargeId === keys.chargeId &&
    row.providerPaymentIntentId !== null &&
    row.providerPaymentIntentId !== keys.paymentIntentId
  ) {
    throw new RejectedEventError(
      `The event cannot be applied: its charge id is already recorded on another payment (charge ${keys.chargeId} belongs to ${row.providerPaymentIntentId}, transaction ${row.id}; the event says ${keys.paymentIntentId})`,
    );
  }
}

/** Our charge row of a provider charge or payment intent (e.g. a dispute's), if recorded; no lock. */
export async function findCharge(
  manager: EntityManager,
  provider: string,
  ids: { providerChargeId: string | null; providerPaymentIntentId: string | null },
): Promise<TransactionEntity | null> {
  if (!ids.providerChargeId && !ids.providerPaymentIntentId) return null;
  const [row] = await queryEntities(manager, TransactionEntity, FIND_CHARGE_SQL, [
    provider,
    ids.providerPaymentIntentId,
    ids.providerChargeId,
  ]);
  return row ?? null;
}

/** A money row by our id (no lock), or null. */
export async function transactionById(
  manager: EntityManager,
  id: number,
): Promise<TransactionEntity | null> {
  const [row] = await queryEntities(
    manager,
    TransactionEntity,
    'SELECT * FROM payment_transaction WHERE id = $1',
    [id],
  );
  return row ?? null;
}
