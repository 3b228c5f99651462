import type { EntityManager } from 'typeorm';
import { queryEntities } from '../database/entity-from-row';
import type { CheckoutSessionSnapshot } from '../payment-provider/payment-provider.types';
import { checkoutRowIdOf } from './checkout-metadata';
import { CheckoutSessionEntity } from './entities/checkout-session.entity';

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
  // Raw SQL: the first lookup of every checkout and payment event.
  const [row] = await queryEntities(
    manager,
    CheckoutSessionEntity,
    'sessionId' in where
      ? `SELECT * FROM payment_checkout_session WHERE provider = $1 AND provider_session_id = $2
          ORDER BY id FOR UPDATE`
      : `SELECT * FROM payment_checkout_session WHERE provider = $1 AND provider_payment_intent_id = $2
          ORDER BY id FOR UPDATE`,
    [provider, 'sessionId' in where ? where.sessionId : where.paymentIntentId],
  );
  return row ?? null;
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

// The charge row functions moved to the ledger (src/ledger/charge-rows.ts).
export { lockCharge, writeCharge, type ChargeKeys } from '../ledger/charge-rows';
