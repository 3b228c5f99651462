import { TableStatistics } from '../../src/database/table-statistics';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * DATABASE_ANALYZE_CHECK_SECONDS: after a burst, the worker analyses a watched table that changed
 * by more rows than it had (and at least 1,000), once, not on every change.
 */
describe('table statistics kept fresh after a burst (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The check is called directly here; no worker, so the backlog stays as written.
    t = await createTestApp({ EVENT_WORKER: 'false' });
  });
  afterAll(() => t.close());

  /** Inserts `count` undelivered deliveries and waits until PostgreSQL's counters show them. */
  async function burst(count: number, from: number): Promise<void> {
    const runner = t.dataSource.createQueryRunner();
    try {
      await runner.query(
        `WITH e AS (
           INSERT INTO payment_outbox (name, aggregate_type, aggregate_id, payload)
           SELECT 'payment.dispute.created', 'dispute', 'stats-' || n, '{}'::jsonb
             FROM generate_series($1::int, $1::int + $2::int - 1) AS n
           RETURNING id, aggregate_id)
         INSERT INTO payment_event_delivery (event_id, listener, aggregate_key, shard)
         SELECT e.id, 'Stats.listener', 'dispute:' || e.aggregate_id, 0 FROM e`,
        [from, count],
      );
      await runner.query('SELECT pg_stat_force_next_flush()');
    } finally {
      await runner.release();
    }
    for (let tries = 0; tries < 50; tries++) {
      const [{ changed }] = await t.dataSource.query<{ changed: number }[]>(
        `SELECT n_mod_since_analyze::int AS changed FROM pg_stat_user_tables
          WHERE relname = 'payment_event_delivery'`,
      );
      if (changed >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the statistics counters never showed the burst');
  }

  const reltuples = async (): Promise<number> =>
    (
      await t.dataSource.query<{ n: number }[]>(
        `SELECT reltuples::float8 AS n FROM pg_class WHERE relname = 'payment_event_delivery'`,
      )
    )[0].n;

  it('analyses a table after a burst larger than it was, and not again until the next one', async () => {
    const statistics = t.app.get(TableStatistics);
    await burst(500, 1);
    expect(await statistics.analyzeStale()).toEqual([]); // fewer than 1,000 changes
    expect(await reltuples()).toBeLessThan(0); // never analysed

    await burst(2000, 1000);
    expect(await statistics.analyzeStale()).toEqual(['payment_event_delivery']);
    expect(await reltuples()).toBe(2500);
    expect(await statistics.analyzeStale()).toEqual([]);

    // 1,500 more rows on 2,500: fewer changes than the table has, left to autovacuum.
    await burst(1500, 5000);
    expect(await statistics.analyzeStale()).toEqual([]);
    // Then it doubles again.
    await burst(1500, 9000);
    expect(await statistics.analyzeStale()).toEqual(['payment_event_delivery']);
    expect(await reltuples()).toBe(5500);
  });
});
