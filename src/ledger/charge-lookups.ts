/*
 * The statements that find a payment's charge row by the provider's ids, on every payment,
 * refund and dispute event: $1 provider, $2 payment intent id, $3 charge id (null: none).
 */

/**
 * Ids of the charge rows of provider $1 with payment intent $2 or charge id $3 (null: none): one
 * lookup of each unique index. Not `… = $2 OR … = $3` on the table: with statistics stale after
 * a burst of payments, the planner walked the primary key through every charge for that
 * (lookup-plans e2e test).
 */
const CHARGE_IDS = `SELECT id FROM payment_transaction
      WHERE type = 'charge' AND provider = $1 AND provider_payment_intent_id = $2
     UNION ALL
     SELECT id FROM payment_transaction
      WHERE type = 'charge' AND provider = $1 AND provider_charge_id = $3`;

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
