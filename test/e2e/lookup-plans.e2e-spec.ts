import { CLAIM_HEADS_SQL } from '../../src/events/event-delivery';
import { CHARGE_OF_UNLINKED_DISPUTE_SQL } from '../../src/disputes/dispute-linker.service';
import { ORPHAN_REFUNDS_WAITING_SQL } from '../../src/refunds/refund-orphans.listener';
import {
  FIND_CHARGE_SQL,
  LOCK_CHARGE_PREFER_INTENT_SQL,
  LOCK_CHARGE_SQL,
} from '../../src/ledger/charge-lookups';
import { executedPlan, rowsRead } from '../support/query-plan';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Lookups that run on every event must cost about what they find, not the size of a backlog or
 * of a set that only grows. 20,000 rows: enough that a scan is never the planner's honest choice;
 * not analysed, as after a burst.
 */
describe('plans of the per-event lookups (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No worker: the backlog stays as written.
    t = await createTestApp({ EVENT_WORKER: 'false' });
  });
  afterAll(() => t.close());

  it('claims the next deliveries of a shard reading about one batch per listener, whatever the backlog', async () => {
    const listeners = ['Plan.first', 'Plan.second'];
    // 20,000 undelivered events of distinct aggregates in shard 0, each for both listeners.
    await t.dataSource.query(
      `WITH e AS (
         INSERT INTO payment_outbox (name, aggregate_type, aggregate_id, payload)
         SELECT 'payment.dispute.created', 'dispute', 'plan-' || n, '{}'::jsonb
           FROM generate_series(1, 20000) AS n
         RETURNING id, aggregate_id)
       INSERT INTO payment_event_delivery (event_id, listener, aggregate_key, shard)
       SELECT e.id, l, 'dispute:' || e.aggregate_id, 0 FROM e, unnest($1::text[]) AS l`,
      [listeners],
    );
    const plan = await executedPlan(t.dataSource, CLAIM_HEADS_SQL, [0, [], 20, listeners]);
    // Per listener: its 20 heads and a probe of each (their earlier events), then the 20 claimed.
    expect(rowsRead(plan, 'payment_event_delivery')).toBeLessThanOrEqual(200);
  });

  it('looks for the refunds waiting for a new charge by index, not over every orphan refund', async () => {
    // Refunds of payments made elsewhere: orphans for good.
    await t.dataSource.query(
      `INSERT INTO payment_transaction
         (provider, type, status, amount, currency, provider_refund_id, provider_payment_intent_id, provider_charge_id)
       SELECT 'stripe', 'refund', 'succeeded', 100, 'usd', 're_plan_' || n, 'pi_plan_' || n, 'ch_plan_' || n
         FROM generate_series(1, 20000) AS n`,
    );
    // (Analysed: unlike the claim above, the orphans are a long-lived set the statistics know.)
    await t.dataSource.query('ANALYZE payment_transaction');
    // The new charge the check runs for.
    const [charge] = await t.dataSource.query<{ id: number }[]>(
      `INSERT INTO payment_transaction
         (provider, type, status, amount, currency, provider_payment_intent_id, provider_charge_id)
       VALUES ('stripe', 'charge', 'succeeded', 100, 'usd', 'pi_plan_new', 'ch_plan_new')
       RETURNING id`,
    );
    const plan = await executedPlan(t.dataSource, ORPHAN_REFUNDS_WAITING_SQL, [charge.id]);
    expect(rowsRead(plan, 'payment_transaction')).toBeLessThanOrEqual(10);
  });

  it("finds a payment's charge row by index, whatever the number of charges", async () => {
    // 20,000 charges, not analysed (a burst of payments); the one looked for is the last.
    await chargesOfABurst();
    const [expected] = await t.dataSource.query<{ id: number }[]>(
      `SELECT id FROM payment_transaction WHERE provider_charge_id = 'ch_charge_plan_20000'`,
    );
    for (const [sql, keys] of [
      [LOCK_CHARGE_SQL, ['pi_charge_plan_20000', 'ch_charge_plan_20000']],
      [LOCK_CHARGE_SQL, ['pi_charge_plan_20000', null]],
      [FIND_CHARGE_SQL, ['pi_charge_plan_unknown', 'ch_charge_plan_20000']],
      [LOCK_CHARGE_PREFER_INTENT_SQL, [null, 'ch_charge_plan_20000']],
      [LOCK_CHARGE_SQL, ['pi_charge_plan_unknown', 'ch_charge_plan_unknown']],
    ] as const) {
      // A unique-index lookup per id (a row each at most), then the row by its primary key.
      const read = rowsRead(
        await executedPlan(t.dataSource, sql, ['stripe', ...keys]),
        'payment_transaction',
      );
      expect({ sql, keys, read }).toEqual({ sql, keys, read: Math.min(read, 3) });
      const found = await t.dataSource.query<{ id: number }[]>(sql, ['stripe', ...keys]);
      expect(found.map((row) => row.id)).toEqual(
        keys.some((key) => key?.endsWith('20000')) ? [expected.id] : [],
      );
    }
  });

  /** 20,000 charges, not analysed (a burst of payments), once. */
  let burst: Promise<unknown> | undefined;
  const chargesOfABurst = () =>
    (burst ??= t.dataSource.query(
      `INSERT INTO payment_transaction
         (provider, type, status, amount, currency, provider_payment_intent_id, provider_charge_id)
       SELECT 'stripe', 'charge', 'succeeded', 100, 'usd', 'pi_charge_plan_' || n, 'ch_charge_plan_' || n
         FROM generate_series(1, 20000) AS n`,
    ));

  it("looks up a new dispute's charge by index, whatever the number of charges", async () => {
    await chargesOfABurst();
    const [dispute] = await t.dataSource.query<{ id: number }[]>(
      `INSERT INTO payment_dispute
         (provider, provider_dispute_id, kind, status, provider_status, provider_charge_id,
          provider_payment_intent_id, provider_updated_at)
       VALUES ('stripe', 'dp_plan_new', 'chargeback', 'needs_response', 'needs_response',
               'ch_charge_plan_20000', 'pi_charge_plan_unknown', now())
       RETURNING id`,
    );
    const plan = await executedPlan(t.dataSource, CHARGE_OF_UNLINKED_DISPUTE_SQL, [dispute.id]);
    expect(rowsRead(plan, 'payment_transaction')).toBeLessThanOrEqual(10);
    // And it finds the charge by its charge id.
    const [found] = await t.dataSource.query<{ id: number }[]>(CHARGE_OF_UNLINKED_DISPUTE_SQL, [
      dispute.id,
    ]);
    const [expected] = await t.dataSource.query<{ id: number }[]>(
      `SELECT id FROM payment_transaction WHERE provider_charge_id = 'ch_charge_plan_20000'`,
    );
    expect(found).toEqual(expected);
  });
});
