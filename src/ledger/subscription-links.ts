import type { EntityManager } from 'typeorm';

/*
 * What the checkout and subscriptions features share: the link between a subscription-mode
 * checkout session and our subscription row, made by whichever of their two events comes second,
 * under one lock per provider subscription. Raw SQL on the two tables, so that neither feature
 * imports the other (DESIGN §10); always inside the caller's webhook transaction.
 */

/**
 * Serialises, until the transaction ends, every webhook handler touching one provider
 * subscription: its own events, its invoices and its checkout session. Without it, an invoice
 * committed while the subscription row is being inserted would miss its link.
 */
export async function lockProviderSubscription(
  manager: EntityManager,
  provider: string,
  providerSubscriptionId: string,
): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
    `payment_subscription:${provider}:${providerSubscriptionId}`,
  ]);
}

/** Our subscription row id of a provider subscription, or null (its event has not arrived). */
export async function subscriptionRowIdOf(
  manager: EntityManager,
  provider: string,
  providerSubscriptionId: string | null,
): Promise<number | null> {
  if (!providerSubscriptionId) return null;
  const rows = await manager.query<{ id: number }[]>(
    `SELECT id FROM payment_subscription WHERE provider = $1 AND provider_subscription_id = $2`,
    [provider, providerSubscriptionId],
  );
  return rows[0]?.id ?? null;
}

/**
 * For the checkout feature, when a subscription-mode session completes (after storing the
 * session's provider subscription id): links the session to our subscription row if it exists
 * already, and gives the subscription (and its charges without one) the session's customer_ref
 * when it has none.
 * @returns our subscription row id, or null while the subscription's event has not arrived
 */
export async function linkSessionToSubscription(
  manager: EntityManager,
  provider: string,
  session: { id: number; providerSubscriptionId: string | null; externalRef: string | null },
): Promise<number | null> {
  if (!session.providerSubscriptionId) return null;
  await lockProviderSubscription(manager, provider, session.providerSubscriptionId);
  const rows = await manager.query<{ id: number; customer_ref: string | null }[]>(
    `SELECT id, customer_ref FROM payment_subscription
      WHERE provider = $1 AND provider_subscription_id = $2`,
    [provider, session.providerSubscriptionId],
  );
  const row = rows[0];
  if (!row) return null;
  await manager.query(
    `UPDATE payment_checkout_session SET subscription_id = $2, updated_at = now() WHERE id = $1`,
    [session.id, row.id],
  );
  if (row.customer_ref === null && session.externalRef) {
    await manager.query(
      `UPDATE payment_subscription SET customer_ref = $2, updated_at = now() WHERE id = $1`,
      [row.id, session.externalRef],
    );
    await manager.query(
      `UPDATE payment_transaction SET customer_ref = $3, updated_at = now()
        WHERE provider = $1 AND type = 'charge' AND subscription_id = $2 AND customer_ref IS NULL`,
      [provider, row.id, session.externalRef],
    );
  }
  return row.id;
}

/** The first checkout session of a provider subscription, as the subscription's handler needs it. */
export interface SessionOfSubscription {
  id: number;
  externalRef: string | null;
  subscriptionId: number | null;
}

/**
 * For the subscriptions feature, under lockProviderSubscription: locks our subscription row of a
 * provider subscription (the raw row, or null before its first event) and reads the first checkout
 * session of that subscription, in one statement.
 */
export async function lockSubscriptionWithSession(
  manager: EntityManager,
  provider: string,
  providerSubscriptionId: string,
): Promise<{ row: Record<string, unknown> | null; session: SessionOfSubscription | null }> {
  const [found] = await manager.query<
    (Record<string, unknown> & {
      id: number | null;
      session_id: number | null;
      session_external_ref: string | null;
      session_subscription_id: number | null;
    })[]
  >(
    `SELECT r.*, c.id AS session_id, c.external_ref AS session_external_ref,
            c.subscription_id AS session_subscription_id
       FROM (SELECT 1) one
       LEFT JOIN LATERAL (
         SELECT * FROM payment_subscription
          WHERE provider = $1 AND provider_subscription_id = $2 FOR UPDATE
       ) r ON true
       LEFT JOIN LATERAL (
         SELECT id, external_ref, subscription_id FROM payment_checkout_session
          WHERE provider = $1 AND provider_subscription_id = $2 ORDER BY id ASC LIMIT 1
       ) c ON true`,
    [provider, providerSubscriptionId],
  );
  return {
    // The subscription's columns (the session's are named apart), or null when it has no row.
    row: found?.id != null ? found : null,
    session:
      found?.session_id != null
        ? {
            id: found.session_id,
            externalRef: found.session_external_ref,
            subscriptionId: found.session_subscription_id,
          }
        : null,
  };
}

/** Points a checkout session at our subscription row. */
export async function setSessionSubscription(
  manager: EntityManager,
  sessionId: number,
  subscriptionId: number,
): Promise<void> {
  await manager.query(
    `UPDATE payment_checkout_session SET subscription_id = $2, updated_at = now() WHERE id = $1`,
    [sessionId, subscriptionId],
  );
}

/** Invoices that arrived before their subscription: their charges get the link now (one statement). */
export async function linkInvoiceChargesToSubscription(
  manager: EntityManager,
  provider: string,
  providerSubscriptionId: string,
  subscriptionId: number,
  values: { customerId: number | null; customerRef: string | null; planName: string | null },
): Promise<void> {
  await manager.query(
    `UPDATE payment_transaction
        SET subscription_id = $3,
            customer_id = COALESCE(customer_id, $4),
            customer_ref = COALESCE(customer_ref, $5),
            description = COALESCE(description, $6),
            updated_at = now()
      WHERE provider = $1 AND type = 'charge' AND provider_subscription_id = $2
        AND subscription_id IS NULL`,
    [
      provider,
      providerSubscriptionId,
      subscriptionId,
      values.customerId,
      values.customerRef,
      values.planName,
    ],
  );
}
