import { WebhooksService } from '../../src/webhooks/webhooks.service';
import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Delivery A of an event fails inside its transaction while delivery B of the
 * same event waits on the inbox row lock, then processes and commits. A's
 * failure is recorded after B's commit: it must not turn B's `processed` row
 * into `failed`. The interleaving is not reproducible through HTTP, so the test
 * drives the recording step directly in the state B left.
 */
describe('webhook inbox: a late failure of a concurrent delivery', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  async function insertRow(eventId: string, status: string): Promise<void> {
    await t.dataSource.query(
      `INSERT INTO payment_webhook_event (provider, provider_event_id, type, payload, status, attempts, occurred_at)
       VALUES ('sandbox', $1, 'payment_intent.succeeded', '{}', $2, 1, now())`,
      [eventId, status],
    );
  }

  const rowOf = async (eventId: string) =>
    (
      await t.dataSource.query(
        `SELECT status, attempts, last_error FROM payment_webhook_event WHERE provider_event_id = $1`,
        [eventId],
      )
    )[0];

  type MarkFailed = (id: string, rowId: number | undefined, error: unknown) => Promise<void>;
  const markFailed = (): MarkFailed => {
    const service: { markFailed: MarkFailed } = t.app.get<unknown>(WebhooksService) as {
      markFailed: MarkFailed;
    };
    return service.markFailed.bind(service);
  };

  it('leaves a row another delivery processed as processed', async () => {
    await insertRow('evt_race_processed', 'processed');
    await markFailed()('evt_race_processed', undefined, new Error('deadlock detected'));
    expect(await rowOf('evt_race_processed')).toEqual({
      status: 'processed',
      attempts: 1,
      last_error: null,
    });
  });

  it('still marks a row failed when nothing processed it', async () => {
    await insertRow('evt_race_received', 'received');
    await markFailed()('evt_race_received', undefined, new Error('deadlock detected'));
    expect(await rowOf('evt_race_received')).toEqual({
      status: 'failed',
      attempts: 2,
      last_error: 'Error: deadlock detected',
    });
  });
  // Listeners no longer run in the webhook's request (durable events, DESIGN §7): their failures
  // never touch the inbox row (test/e2e/durable-events.e2e-spec.ts).
});
