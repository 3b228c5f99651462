import { CLAIM_HEADS_SQL } from '../../src/events/event-delivery';
import { executedPlan, rowsRead } from '../support/query-plan';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * The drain claims a batch of heads per round trip. Under a burst its shard holds thousands of
 * undelivered events; a batch must cost about its own size, not the backlog.
 */
describe('claiming the next deliveries of a shard (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // No worker: the backlog stays as written.
    t = await createTestApp({ EVENT_WORKER: 'false' });
  });
  afterAll(() => t.close());

  it('reads about one batch per listener, whatever the backlog', async () => {
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
});
