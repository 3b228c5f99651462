import type { DataSource, EntityManager, QueryRunner } from 'typeorm';

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

/**
 * Runs `work` on one connection holding a session advisory lock (one run at a time across
 * instances): `{ locked: false }` without running it when another session holds the lock. The
 * lock is released (and the connection returned) however `work` ends.
 */
export async function withSessionAdvisoryLock<T>(
  dataSource: DataSource,
  key: string,
  work: (runner: QueryRunner) => Promise<T>,
  onUnlockError: (error: unknown) => void = () => undefined,
): Promise<{ locked: false } | { locked: true; value: T }> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [{ locked }] = (await runner.query(
      'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
      [key],
    )) as { locked: boolean }[];
    if (!locked) return { locked: false };
    try {
      return { locked: true, value: await work(runner) };
    } finally {
      await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(onUnlockError);
    }
  } finally {
    await runner.release();
  }
}
