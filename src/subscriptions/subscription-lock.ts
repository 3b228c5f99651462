import type { EntityManager } from 'typeorm';

/**
 * Serialises, until the transaction ends, every webhook handler touching one
 * provider subscription: its own events and its invoices. Without it, an invoice
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
