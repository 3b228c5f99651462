import { ReconcileService } from '../../src/reconcile/reconcile.service';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Reconciliation offline: the sandbox drops its webhook deliveries on purpose
 * (POST /sandbox/webhooks/drop), a buyer pays, and the scheduled run
 * (RECONCILE_CRON, here every second on two instances sharing one database)
 * recovers the dropped events from the sandbox's event log. The two instances
 * never run reconciliation at the same time.
 */

jest.setTimeout(60_000);

interface EventLogRow {
  id: string;
  type: string;
  dropped: boolean;
}

describe('reconciliation of dropped sandbox deliveries (e2e)', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { RECONCILE_CRON: '* * * * * *' };
    a = await createTestApp(env, { database });
    b = await createTestApp(env, { database });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await database?.drop();
  });

  async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error('timed out waiting');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('refuses a drop switch without a boolean, naming the field', async () => {
    const res = await a.http.post('/sandbox/webhooks/drop').send({ enabled: 'yes' }).expect(400);
    expect(JSON.stringify(res.body)).toContain('enabled');
    await a.http.post('/sandbox/webhooks/drop').send({}).expect(400);
  });

  it('recovers a paid checkout whose deliveries were dropped, through the scheduled run', async () => {
    await a.http
      .post('/sandbox/webhooks/drop')
      .send({ enabled: true })
      .expect(200, { dropping: true });
    // One switch for every instance (sandbox_setting).
    await b.http.get('/sandbox/webhooks/drop').expect(200, { dropping: true });

    const checkout = await a.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment' })
      .expect(201);
    const sessionId: string = checkout.body.session_id;
    await a.http.post(new URL(checkout.body.checkout_url).pathname + '/pay').expect(303);

    // Logged as dropped: what the sandbox would have sent.
    const logged: EventLogRow[] = await a.dataSource.query(
      `SELECT id, type, dropped FROM sandbox_event WHERE body::jsonb -> 'data' -> 'object' ->> 'id' = $1
          OR body::jsonb -> 'data' -> 'object' -> 'metadata' ->> 'payment_service' IS NOT NULL
        ORDER BY seq`,
      [sessionId],
    );
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged.every((row) => row.dropped)).toBe(true);
    expect(logged.map((row) => row.type)).toContain('checkout.session.completed');

    // The scheduled run brings them in through the inbox, marked as reconciled.
    const ids = logged.map((row) => row.id);
    const rows = await until(async () => {
      const found: { provider_event_id: string; source: string; status: string }[] =
        await a.dataSource.query(
          `SELECT provider_event_id, source, status FROM payment_webhook_event
            WHERE provider_event_id = ANY($1::text[])`,
          [ids],
        );
      return found.length === ids.length && found.every((row) => row.status !== 'received')
        ? found
        : undefined;
    });
    expect(rows.every((row) => row.source === 'reconcile' && row.status === 'processed')).toBe(
      true,
    );
    const session = await a.http.get(`/api/v1/payment/checkout/${sessionId}`);
    if (session.status === 200) expect(session.body.status).toBe('complete');
    const tx = await a.http.get(`/api/v1/payment/transactions/by-session/${sessionId}`).expect(200);
    expect(JSON.stringify(tx.body)).toContain('succeeded');

    const ready = await b.http.get('/health/ready').expect(200);
    expect(ready.body.reconcile.last_success).toEqual(
      expect.objectContaining({ failed: 0, finished_at: expect.any(String) }),
    );

    await a.http
      .post('/sandbox/webhooks/drop')
      .send({ enabled: false })
      .expect(200, { dropping: false });
  });

  it('never runs two reconciliations at once across the two instances', async () => {
    // Ticks every second on both instances: wait for two finished runs.
    type RunRow = { id: string; started_at: Date; finished_at: Date | null; status: string };
    const runs = await until(async () => {
      const rows = await a.dataSource.query<RunRow[]>(
        `SELECT id::text AS id, started_at, finished_at, status FROM payment_reconcile_run
          WHERE finished_at IS NOT NULL ORDER BY started_at`,
      );
      return rows.length >= 2 ? rows : undefined;
    });
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < runs.length; i++) {
      const previous = runs[i - 1];
      expect(previous.finished_at).not.toBeNull();
      expect(previous.finished_at!.getTime()).toBeLessThanOrEqual(runs[i].started_at.getTime());
    }
    // While one instance holds the run, another's run does nothing.
    const holder = a.dataSource.createQueryRunner();
    await holder.connect();
    try {
      await until(async () => {
        const [{ locked }] = (await holder.query(
          `SELECT pg_try_advisory_lock(hashtext('payment:reconcile')) AS locked`,
        )) as { locked: boolean }[];
        return locked ? true : undefined;
      });
      const summary = await b.app.get(ReconcileService).run();
      expect(summary).toEqual(expect.objectContaining({ skipped: true, runId: null, listed: 0 }));
    } finally {
      await holder.query(`SELECT pg_advisory_unlock(hashtext('payment:reconcile'))`);
      await holder.release();
    }
  });
});
