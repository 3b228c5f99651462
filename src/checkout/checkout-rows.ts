import type { EntityManager } from 'typeorm';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import type { ChargeDecision, ChargeRowState } from './checkout-ordering.policy';
import type { CheckoutSessionSnapshot } from '../payment-provider/payment-provider.types';
import { recomputeCharge } from '../refunds/refund-ledger';
import { checkoutRowIdOf } from './checkout-metadata';
import { CheckoutSessionEntity } from './entities/checkout-session.entity';
import { RejectedEventError } from '../webhooks/webhook-handler.registry';

/** Placeholder session id of a checkout row written before the provider call (intent first). */
export const INTENT_PREFIX = 'intent_';

/*
 * Row access for the webhook handlers, always through the handler's transaction (ctx.manager).
 * Lock order, to keep concurrent events of one checkout from deadlocking: the session row first,
 * then its charge row.
 */

export async function lockSession(
  manager: EntityManager,
  provider: string,
  where: { sessionId: string } | { paymentIntentId: string },
): Promise<CheckoutSessionEntity | null> {
  const query = manager
    .getRepository(CheckoutSessionEntity)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.provider = :provider', { provider });
  if ('sessionId' in where) query.andWhere('s.providerSessionId = :id', { id: where.sessionId });
  else query.andWhere('s.providerPaymentIntentId = :id', { id: where.paymentIntentId });
  return query.orderBy('s.id', 'ASC').getOne();
}

/**
 * A session we do not know by its id, whose metadata names one of our checkout rows still
 * waiting for its session id (intent first: the process stopped between the provider's answer
 * and recording it): that row takes the session id, and the event applies to it.
 */
export async function adoptIntent(
  manager: EntityManager,
  provider: string,
  snapshot: CheckoutSessionSnapshot,
): Promise<CheckoutSessionEntity | null> {
  const rowId = checkoutRowIdOf(snapshot.metadata);
  if (rowId === null) return null;
  const row = await manager
    .getRepository(CheckoutSessionEntity)
    .createQueryBuilder('s')
    .setLock('pessimistic_write')
    .where('s.id = :id AND s.provider = :provider', { id: rowId, provider })
    .getOne();
  if (!row || !row.providerSessionId.startsWith(INTENT_PREFIX)) return null;
  await manager.update(CheckoutSessionEntity, row.id, {
    providerSessionId: snapshot.id,
    url: row.url ?? snapshot.url,
    expiresAt: snapshot.expiresAt ?? row.expiresAt,
    amountTotal: row.amountTotal ?? snapshot.amountTotal,
    currency: row.currency ?? snapshot.currency,
    providerPaymentIntentId: row.providerPaymentIntentId ?? snapshot.paymentIntentId,
    providerSubscriptionId: row.providerSubscriptionId ?? snapshot.subscriptionId,
  });
  return manager.findOneByOrFail(CheckoutSessionEntity, { id: row.id });
}

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
  const query = manager
    .getRepository(TransactionEntity)
    .createQueryBuilder('t')
    .setLock('pessimistic_write')
    .where(`t.type = 'charge' AND t.provider = :provider`, { provider });
  if (keys.chargeId) {
    query.andWhere('(t.providerPaymentIntentId = :pi OR t.providerChargeId = :charge)', {
      pi: keys.paymentIntentId,
      charge: keys.chargeId,
    });
  } else {
    query.andWhere('t.providerPaymentIntentId = :pi', { pi: keys.paymentIntentId });
  }
  return query.orderBy('t.id', 'ASC').getOne();
}

export interface ChargeWrite {
  decide(row: ChargeRowState | null): ChargeDecision;
  /** The columns to insert (row null) or update, given the decision. */
  values(
    row: TransactionEntity | null,
    decision: Extract<ChargeDecision, { write: true }>,
  ): Partial<TransactionEntity>;
  /** false: only update an existing row (e.g. link a declined attempt to its expired session). */
  createIfMissing: boolean;
}

export interface ChargeWriteResult {
  row: TransactionEntity | null;
  decision: ChargeDecision | null;
}

/**
 * Inserts or updates the charge row of a payment, race-safe: the insert is ON CONFLICT DO NOTHING
 * on the unique payment intent / charge indexes; when another transaction got there first we wait
 * for its row lock and decide again on what it wrote.
 */
export async function writeCharge(
  manager: EntityManager,
  provider: string,
  keys: ChargeKeys,
  write: ChargeWrite,
): Promise<ChargeWriteResult> {
  let row = await lockCharge(manager, provider, keys);
  refuseChargeOfAnotherPayment(row, keys);
  if (row === null) {
    if (!write.createIfMissing) return { row: null, decision: null };
    const decision = write.decide(null);
    if (!decision.write) return { row: null, decision };
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(TransactionEntity)
      .values({ ...write.values(null, decision), type: 'charge', provider, amountRefunded: 0 })
      .orIgnore()
      .returning('id')
      .execute();
    const id = (inserted.raw as { id: number }[])[0]?.id;
    if (id !== undefined)
      return {
        row: await recomputeCharge(
          manager,
          await manager.findOneByOrFail(TransactionEntity, { id }),
        ),
        decision,
      };
    row = await lockCharge(manager, provider, keys);
    refuseChargeOfAnotherPayment(row, keys);
    if (row === null)
      throw new Error(`charge row of ${keys.paymentIntentId} conflicts but cannot be found`);
  }
  const decision = write.decide(row);
  if (!decision.write) return { row, decision };
  await manager.update(TransactionEntity, row.id, write.values(row, decision));
  // Whichever event arrives last, the charge is recomputed from its refunds (a payment that
  // succeeds after a refund of it was recorded is partially_refunded or refunded, not succeeded).
  const written = await manager.findOneByOrFail(TransactionEntity, { id: row.id });
  return { row: await recomputeCharge(manager, written), decision };
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
