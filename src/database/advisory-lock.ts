import type { EntityManager } from 'typeorm';

/**
 * Takes a transaction-scoped advisory lock if nobody holds it. Returns false
 * when another session (another instance) holds it; the lock is released at
 * the end of the transaction.
 */
export async function tryAdvisoryXactLock(manager: EntityManager, key: string): Promise<boolean> {
  const rows: { locked: boolean }[] = await manager.query(
    'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
    [key],
  );
  return rows[0]?.locked === true;
}
