import { Module } from '@nestjs/common';
import { DisputeDeadlineJob } from '../../src/disputes/dispute-deadline.job';
import { BACKLOG_PROBE, type BacklogProbe } from '../../src/metrics/backlog-probe';
import { signSandboxPayload } from '../../src/payment-provider/sandbox/sandbox-signature';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * GET /metrics scraped after real traffic: a sandbox checkout paid on the hosted page (its
 * webhooks delivered by the sandbox to our route, the first delivery of one failed by a
 * listener and retried), a duplicate and a forged delivery, a refused provider call and a
 * job run. Assertions are on parsed sample values.
 */

const KEY = 'metrics-test-key';
const AUTH = { Authorization: `Bearer ${KEY}` };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (samples only). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[pair[1]] = pair[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

describe('GET /metrics (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: KEY });
  });
  afterAll(() => t?.close());

  const scrape = async (): Promise<Sample[]> => {
    const response = await t.http.get('/metrics').set(AUTH).expect(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return parseMetrics(response.text);
  };

  const inbox = (): Promise<{ provider_event_id: string; type: string; status: string }[]> =>
    t.dataSource.query(
      `SELECT provider_event_id, type, status FROM payment_webhook_event ORDER BY id`,
    );

  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('needs the API key unless METRICS_PUBLIC=true', async () => {
    const denied = await t.http.get('/metrics').expect(401);
    expect(denied.body).toMatchObject({ statusCode: 401 });
    await t.http.get('/metrics').set('Authorization', 'Bearer wrong').expect(401);

    const open = await createTestApp({ API_KEYS: KEY, METRICS_PUBLIC: 'true' });
    try {
      const response = await open.http.get('/metrics').expect(200);
      expect(
        valueOf(parseMetrics(response.text), 'process_cpu_user_seconds_total'),
      ).toBeGreaterThan(0);
    } finally {
      await open.close();
    }
  });

  it('counts a checkout, its webhooks (one failed then retried), a duplicate, a forged delivery, provider calls and a job run', async () => {
    const before = await scrape();
    const completed = 'checkout.session.completed';

    // The first delivery of checkout.session.completed fails in its own transaction (the database
    // refuses the checkout's completion once); the sandbox retries it and the retry is processed.
    await t.dataSource.query(`
      CREATE SEQUENCE test_fail_once;
      CREATE FUNCTION test_fail_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'complete' AND OLD.status <> 'complete' AND nextval('test_fail_once') = 1 THEN
          RAISE EXCEPTION 'checkout table refused the write once';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER test_fail_once BEFORE UPDATE ON payment_checkout_session
        FOR EACH ROW EXECUTE FUNCTION test_fail_once();`);
    let failures: number;
    let sessionId: string;
    try {
      const created = await t.http
        .post('/api/v1/payment/checkout')
        .set(AUTH)
        .send({ price_id: 'price_sandbox_onetime', mode: 'payment', customer_ref: 'user-metrics' })
        .expect(201);
      sessionId = (created.body as { session_id: string }).session_id;
      await t.http.get(`/api/v1/payment/checkout/${sessionId}`).set(AUTH).expect(200);
      await t.http.post(`/sandbox/checkout/${sessionId}/pay`).expect(303);
      await until(async () => {
        const rows = (await inbox()).filter((row) => row.type === completed);
        return rows.length === 1 && rows[0].status === 'processed';
      }, 'checkout.session.completed to be processed after its retry');
      // Every attempt at the completion drew a number: the failed one and the processed one.
      const [{ drawn }] = await t.dataSource.query<{ drawn: string }[]>(
        'SELECT last_value AS drawn FROM test_fail_once',
      );
      failures = Number(drawn);
    } finally {
      await t.dataSource.query(
        'DROP TRIGGER test_fail_once ON payment_checkout_session; DROP FUNCTION test_fail_once(); DROP SEQUENCE test_fail_once;',
      );
    }
    expect(failures).toBe(2);

    // The same event delivered again: a duplicate.
    const [stored] = await t.dataSource.query<{ payload: unknown }[]>(
      `SELECT payload FROM payment_webhook_event WHERE type = $1`,
      [completed],
    );
    const body = JSON.stringify(stored.payload);
    const duplicate = await t.http
      .post('/api/v1/payment/webhook')
      .set('Content-Type', 'application/json')
      .set('sandbox-signature', signSandboxPayload(body, t.config.sandbox.webhookSecret))
      .send(body)
      .expect(200);
    expect(duplicate.body).toMatchObject({ outcome: 'duplicate' });

    // A forged delivery: refused before it is stored.
    await t.http
      .post('/api/v1/payment/webhook')
      .set('Content-Type', 'application/json')
      .set('sandbox-signature', signSandboxPayload(body, 'whsec_forged'))
      .send(body)
      .expect(400);

    // A provider call the provider refuses (unknown price).
    await t.http
      .post('/api/v1/payment/checkout')
      .set(AUTH)
      .send({ price_id: 'price_does_not_exist', mode: 'payment' })
      .expect(400);

    const summary = await t.app.get(DisputeDeadlineJob).run();
    expect(summary.skipped).toBe(false);

    const after = await scrape();
    const moved = (name: string, labels: Record<string, string> = {}) =>
      valueOf(after, name, labels) - valueOf(before, name, labels);

    const webhook = { event_type: completed };
    expect(moved('payments_webhooks_received_total', webhook)).toBe(failures + 1);
    expect(moved('payments_webhooks_handled_total', { ...webhook, outcome: 'failed' })).toBe(
      failures - 1,
    );
    expect(moved('payments_webhooks_handled_total', { ...webhook, outcome: 'processed' })).toBe(1);
    expect(moved('payments_webhooks_handled_total', { ...webhook, outcome: 'duplicate' })).toBe(1);
    expect(moved('payments_webhooks_rejected_total')).toBe(1);
    expect(
      moved('payments_webhooks_handled_total', {
        event_type: 'payment_intent.succeeded',
        outcome: 'processed',
      }),
    ).toBe(1);

    const createSession = { provider: 'sandbox', operation: 'createCheckoutSession' };
    expect(
      moved('payments_provider_call_duration_seconds_count', { ...createSession, outcome: 'ok' }),
    ).toBe(1);
    expect(
      moved('payments_provider_call_errors_total', { ...createSession, kind: 'invalid_request' }),
    ).toBe(1);

    expect(
      moved('http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/payment/checkout',
        status_code: '201',
      }),
    ).toBe(1);
    // The route template, not the session id.
    expect(
      moved('http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/v1/payment/checkout/:sessionId',
        status_code: '200',
      }),
    ).toBe(1);
    expect(
      moved('http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/v1/payment/webhook',
        status_code: '200',
      }),
    ).toBeGreaterThanOrEqual(3);
    expect(after.some((s) => s.labels.route?.includes(sessionId))).toBe(false);

    expect(
      moved('payments_job_runs_total', { job: 'dispute-deadline', outcome: 'succeeded' }),
    ).toBe(1);
    expect(moved('payments_job_failures_total', { job: 'dispute-deadline' })).toBe(0);

    // The events module's BacklogProbe: the outbox gauges are there.
    expect(after.some((s) => s.name === 'payments_outbox_backlog')).toBe(true);
    expect(after.some((s) => s.name === 'payments_outbox_oldest_age_seconds')).toBe(true);
  });

  it('exposes the outbox gauges from a BacklogProbe another module provides', async () => {
    const probe: BacklogProbe = {
      measure: () => Promise.resolve({ pending: 7, oldestAgeSeconds: 42.5 }),
    };
    @Module({ providers: [{ provide: BACKLOG_PROBE, useValue: probe }] })
    class ProbeModule {}
    const withProbe = await createTestApp({ METRICS_PUBLIC: 'true' }, { imports: [ProbeModule] });
    try {
      const samples = parseMetrics((await withProbe.http.get('/metrics').expect(200)).text);
      expect(valueOf(samples, 'payments_outbox_backlog')).toBe(7);
      expect(valueOf(samples, 'payments_outbox_oldest_age_seconds')).toBe(42.5);
    } finally {
      await withProbe.close();
    }
  });
});
