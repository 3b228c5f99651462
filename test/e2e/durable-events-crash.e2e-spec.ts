import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Stripe from 'stripe';
import { STRIPE_FIXTURE_TIME, stripeEvent, stripeObject } from '../fixtures/stripe/events';
import {
  killLeftoverServices,
  LISTENER_SERVICE_JS,
  MAIN_JS,
  startService,
  waitUntilReady,
  type ServiceProcess,
} from '../support/service-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const SECRET = 'whsec_test';

/**
 * A delivery interrupted by a crash runs again after the restart (graphile-worker
 * would keep the dead worker's job locked for 4 hours; the sweep releases it), and
 * exactly once more.
 */
describe('durable events across a crash (SIGKILL while a listener runs)', () => {
  let db: TestDatabase;
  let logFile: string;

  beforeAll(async () => {
    if (!fs.existsSync(MAIN_JS))
      throw new Error(`${MAIN_JS} is missing: run npm run build (npm test does it first)`);
    db = await createTestDatabase();
    logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'crash-probe-')), 'calls.log');
    fs.writeFileSync(logFile, '');
  });
  afterAll(async () => {
    await killLeftoverServices();
    await db?.drop();
  });

  const start = (sleepMs: number): Promise<ServiceProcess> =>
    startService(
      {
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        DISPUTE_DEADLINE_CRON: 'off',
        DATABASE_URL: db.url,
        PAYMENT_PROVIDER: 'stripe',
        STRIPE_SECRET_KEY: 'sk_test_x',
        STRIPE_WEBHOOK_SECRET: SECRET,
        STRIPE_API_BASE: 'http://127.0.0.1:9',
        EVENT_STALE_LOCK_SECONDS: '2',
        LISTENER_LOG: logFile,
        LISTENER_SLEEP_MS: String(sleepMs),
      },
      { entry: LISTENER_SERVICE_JS },
    );

  const lines = () => fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);

  async function until(predicate: () => boolean, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (!predicate()) {
      if (Date.now() - started > timeoutMs)
        throw new Error(`timed out; calls:\n${lines().join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return Date.now() - started;
  }

  it('calls the listener again within a minute of the restart, and exactly once more', async () => {
    const first = await start(60_000);
    await waitUntilReady(first);

    const dispute = stripeObject('dispute', {
      id: 'dp_crash_probe',
      charge: 'ch_crash',
      payment_intent: 'pi_crash',
    });
    const payload = JSON.stringify(
      stripeEvent('charge.dispute.created', dispute, { created: STRIPE_FIXTURE_TIME }),
    );
    const res = await fetch(`http://127.0.0.1:${first.port}/api/v1/payment/webhook`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET }),
      },
      body: payload,
    });
    expect(res.status).toBe(200);
    await until(() => lines().some((l) => l.startsWith(`start ${first.child.pid}`)), 10_000);

    first.child.kill('SIGKILL');
    await first.exited;

    const second = await start(0);
    await waitUntilReady(second);
    const waited = await until(
      () => lines().some((l) => l.startsWith(`done ${second.child.pid}`)),
      60_000,
    );
    expect(waited).toBeLessThan(60_000);
    // Nothing more comes: the delivery is recorded delivered.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(lines()).toEqual([
      `start ${first.child.pid} dp_crash_probe`,
      `start ${second.child.pid} dp_crash_probe`,
      `done ${second.child.pid} dp_crash_probe`,
    ]);
    second.child.kill('SIGTERM');
    await second.exited;
  }, 120_000);
});
