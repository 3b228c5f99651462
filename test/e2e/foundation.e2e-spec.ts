import { Controller, Get, Module } from '@nestjs/common';
import { createTestApp, type TestApp } from '../support/test-app';

@Controller('test-only')
class ExplodingController {
  @Get('boom')
  boom(): never {
    throw new Error('database password=hunter2 exploded');
  }
}

@Module({ controllers: [ExplodingController] })
class ExplodingModule {}

const expectErrorShape = (body: Record<string, unknown>, statusCode: number) => {
  expect(body).toEqual(
    expect.objectContaining({ statusCode, error: expect.any(String), message: expect.any(String) }),
  );
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
};

describe('foundation: plumbing every route shares', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({}, { imports: [ExplodingModule] });
  });
  afterAll(() => t.close());

  it('answers liveness and readiness', async () => {
    await t.http.get('/health').expect(200, { status: 'ok' });
    const ready = await t.http.get('/health/ready').expect(200);
    expect(ready.body).toEqual({
      status: 'ok',
      database: 'up',
      // The durable event backlog (DESIGN §8).
      events: { undelivered: 0, dead: 0, oldest_undelivered_age_seconds: null },
      // Reconciliation of missed webhooks: no run yet.
      reconcile: { last_success: null },
    });
  });

  it('serves the OpenAPI document and UI at /docs', async () => {
    const json = await t.http.get('/docs-json').expect(200);
    expect(Object.keys(json.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/payment/transactions', '/health']),
    );
    const ui = await t.http.get('/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });

  it('echoes a sane X-Request-Id and makes one up otherwise', async () => {
    const given = await t.http.get('/health').set('X-Request-Id', 'req-123').expect(200);
    expect(given.headers['x-request-id']).toBe('req-123');
    const made = await t.http.get('/health').set('X-Request-Id', 'bad id with spaces').expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with 404 in the error shape', async () => {
    const res = await t.http.get('/api/v1/payment/nope').expect(404);
    expectErrorShape(res.body, 404);
  });

  it('answers a missing row with 404 naming it', async () => {
    const res = await t.http.get('/api/v1/payment/transactions/999999').expect(404);
    expect(res.body).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'Transaction 999999 not found',
    });
  });

  it('lists validation problems per field', async () => {
    const res = await t.http
      .get('/api/v1/payment/transactions?page_size=1000&status=weird')
      .expect(400);
    expectErrorShape(res.body, 400);
    expect(Object.keys(res.body.details.fields).sort()).toEqual(['page_size', 'status']);
    expect(res.body.message).toContain('page_size');
  });

  it('refuses malformed JSON with 400 in the error shape', async () => {
    const res = await t.http
      .post('/api/v1/payment/checkout')
      .set('Content-Type', 'application/json')
      .send('{"price_id": ')
      .expect(400);
    expect(res.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'Request body is not valid JSON',
    });
  });

  it('refuses a body over the size limit with 413', async () => {
    const huge = JSON.stringify({ price_id: 'x'.repeat(2 * 1024 * 1024) });
    const res = await t.http
      .post('/api/v1/payment/checkout')
      .set('Content-Type', 'application/json')
      .send(huge)
      .expect(413);
    expect(res.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
  });

  it('hides unexpected errors behind an error id', async () => {
    const res = await t.http.get('/test-only/boom').expect(500);
    expectErrorShape(res.body, 500);
    expect(res.body.message).toMatch(/^Internal server error \(error id [0-9a-f-]{36}\)$/);
    expect(res.body.details.error_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
  });

  it('creates the whole schema of DESIGN §4', async () => {
    const tables = await t.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
    );
    expect(tables.map((r: { table_name: string }) => r.table_name)).toEqual([
      'payment_checkout_session',
      'payment_customer',
      'payment_dispute',
      'payment_event_delivery',
      'payment_migrations',
      'payment_outbox',
      'payment_reconcile_run',
      'payment_scheduled_tick',
      'payment_subscription',
      'payment_transaction',
      'payment_webhook_event',
      // The sandbox's own state, created by the sandbox provider (this app runs it), not by migrations.
      'sandbox_clock',
      'sandbox_event',
      'sandbox_object',
      'sandbox_setting',
    ]);
    const money = await t.dataSource.query(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE column_name IN ('amount', 'amount_refunded') ORDER BY 1, 2`,
    );
    expect(money.every((c: { data_type: string }) => c.data_type === 'bigint')).toBe(true);
    const times = await t.dataSource.query(
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_schema = 'public' AND table_name LIKE 'payment\\_%' AND data_type = 'timestamp without time zone'`,
    );
    expect(times[0].n).toBe(0);
    const indexes = await t.dataSource.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE indexname = 'ix_payment_dispute_awaiting_response'`,
    );
    expect(indexes[0].indexdef).toContain('WHERE');
  });
});

describe('foundation: API keys', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: 'k1,k2' });
  });
  afterAll(() => t.close());

  it('refuses /api/v1/payment/* without a key with 401 in the error shape', async () => {
    const res = await t.http.get('/api/v1/payment/transactions').expect(401);
    expect(res.body).toEqual({
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Missing API key: send Authorization: Bearer <key>',
    });
  });

  it('refuses a wrong key', async () => {
    const res = await t.http
      .get('/api/v1/payment/transactions')
      .set('Authorization', 'Bearer nope')
      .expect(401);
    expect(res.body.message).toBe('Invalid API key');
  });

  it('accepts any configured key', async () => {
    await t.http.get('/api/v1/payment/transactions').set('Authorization', 'Bearer k2').expect(200);
  });

  it('leaves the webhook, health and docs open', async () => {
    const webhook = await t.http
      .post('/api/v1/payment/webhook')
      .set('Content-Type', 'application/json')
      .send('{}');
    expect(webhook.status).toBe(400);
    await t.http.get('/health').expect(200);
    await t.http.get('/docs-json').expect(200);
  });
});
