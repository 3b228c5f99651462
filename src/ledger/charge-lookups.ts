/*
 * The statements that find a payment's charge row by the provider's ids, on every payment,
 * refund and dispute event: $1 provider, $2 payment intent id, $3 charge id (null: none).
 */

/**
 * Ids of the charge rows of `provider` with payment intent `paymentIntentId` or charge id
 * `chargeId` (SQL expressions; a null id finds nothing): one lookup of each unique index. Not
 * `… = pi OR … = charge` on the table: with statistics stale after a burst of payments, the
 * planner walked the primary key through every charge for that (lookup-plans e2e test).
 */
export function chargeIdsOf(provider: string, paymentIntentId: string, chargeId: string): string {
  return `SELECT id FROM payment_transaction
      WHERE type = 'charge' AND provider = ${provider} AND provider_payment_intent_id = ${paymentIntentId}
     UNION ALL
     SELECT id FROM payment_transaction
      WHERE type = 'charge' AND provider = ${provider} AND provider_charge_id = ${chargeId}`;
}

const CHARGE_IDS = chargeIdsOf('$1', '$2', '$3');

/** The charge rows of CHARGE_IDS, locked, oldest first. */
export const LOCK_CHARGE_SQL = `SELECT * FROM payment_transaction
  WHERE id = ANY (ARRAY(${CHARGE_IDS})) ORDER BY id FOR UPDATE`;

/** The oldest charge row of CHARGE_IDS, no lock. */
export const FIND_CHARGE_SQL = `SELECT * FROM payment_transaction
  WHERE id = ANY (ARRAY(${CHARGE_IDS})) ORDER BY id LIMIT 1`;

/** The charge row of CHARGE_IDS, locked: the payment intent's first, else the charge id's. */
export const LOCK_CHARGE_PREFER_INTENT_SQL = `SELECT * FROM payment_transaction
  WHERE id = ANY (ARRAY(${CHARGE_IDS}))
  ORDER BY CASE WHEN provider_payment_intent_id = $2 THEN 0 ELSE 1 END, id
  LIMIT 1 FOR UPDATE`;
