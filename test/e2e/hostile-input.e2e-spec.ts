import { TransactionEntity } from '../../src/transactions/entities/transaction.entity';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Each case a fuzz run found answering 5xx or doing the wrong thing (issue 11), pinned:
 * bad input gets a 4xx naming what is wrong, and nothing happens.
 */
describe('hostile input: a clear 4xx, and nothing done', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({});
  });
  afterAll(() => t.close());

  const checkoutRows = async (): Promise<number> =>
    Number(
      (
        await t.dataSource.query<{ n: string }[]>(
          'SELECT count(*) AS n FROM payment_checkout_session',
        )
      )[0].n,
    );

  async function paidCharge(): Promise<TransactionEntity> {
    const checkout = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment' })
      .expect(201);
    await t.http.post(`/sandbox/checkout/${checkout.body.session_id as string}/pay`).expect(303);
    const charge = await t.http
      .get(`/api/v1/payment/transactions/by-session/${checkout.body.session_id as string}`)
      .expect(200);
    return t.dataSource
      .getRepository(TransactionEntity)
      .findOneByOrFail({ id: charge.body.id as number });
  }

  describe('a refund body that is not JSON is refused (415), never read as "refund everything"', () => {
    it.each([
      'text/plain',
      'application/octet-stream',
      'application/xml',
      'application/x-www-form-urlencoded',
    ])('%s', async (contentType) => {
      const charge = await paidCharge();
      const response = await t.http
        .post(`/api/v1/payment/refund/${charge.id}`)
        .set('Content-Type', contentType)
        .send('{"amount":1}')
        .expect(415);
      expect(response.body).toEqual({
        statusCode: 415,
        error: 'Unsupported Media Type',
        message: expect.stringContaining('Content-Type must be application/json'),
      });
      const after = await t.dataSource
        .getRepository(TransactionEntity)
        .findOneByOrFail({ id: charge.id });
      expect(after.status).toBe('succeeded');
      expect(after.amountRefunded).toBe(0);
    });

    it('still takes a JSON refund with a charset, and a refund with no body at all', async () => {
      const charge = await paidCharge();
      await t.http
        .post(`/api/v1/payment/refund/${charge.id}`)
        .set('Content-Type', 'application/json; charset=utf-8')
        .send('{"amount":100}')
        .expect(201);
      await t.http.post(`/api/v1/payment/refund/${charge.id}`).expect(201);
    });
  });

  it.each([
    ['/api/v1/payment/transactions/2147483648', 'id'],
    ['/api/v1/payment/transactions/99999999999999999999', 'id'],
    ['/api/v1/payment/transactions/-1', 'id'],
    ['/api/v1/payment/transactions/1.5', 'id'],
    ['/api/v1/payment/transactions/0', 'id'],
    ['/api/v1/payment/disputes/2147483648', 'id'],
    ['/api/v1/payment/subscriptions/2147483648', 'id'],
    ['/api/v1/payment/transactions?page=1e17', 'page'],
    ['/api/v1/payment/subscriptions?page=99999999999', 'page'],
    ['/api/v1/payment/disputes?page_size=1000', 'page_size'],
  ])('range-checks ids and paging: %s → 400 naming %s', async (url, field) => {
    const response = await t.http.get(url).expect(400);
    expect(response.body.message).toContain(field);
  });

  it('answers 400 for an id above the integer range on a POST route', async () => {
    const response = await t.http.post('/api/v1/payment/refund/2147483648').send({}).expect(400);
    expect(response.body.details).toEqual({ fields: { transactionId: [expect.any(String)] } });
  });

  it.each([
    [
      'a NUL in customer_ref',
      '{"price_id":"price_sandbox_onetime","mode":"payment","customer_ref":"a\\u0000b"}',
      'customer_ref',
    ],
    [
      'a NUL in metadata',
      '{"price_id":"price_sandbox_onetime","mode":"payment","metadata":{"k":"a\\u0000"}}',
      'metadata.k',
    ],
    [
      'a NUL in a metadata key',
      '{"price_id":"price_sandbox_onetime","mode":"payment","metadata":{"k\\u0000":"v"}}',
      'metadata.k\u0000',
    ],
    [
      'a lone surrogate in customer_email',
      '{"price_id":"price_sandbox_onetime","mode":"payment","customer_email":"\\ud800@x.com"}',
      'customer_email',
    ],
    [
      'a lone surrogate in customer_ref',
      '{"price_id":"price_sandbox_onetime","mode":"payment","customer_ref":"u\\udc00"}',
      'customer_ref',
    ],
    ['a lone surrogate in price_id', '{"price_id":"price\\ud800","mode":"payment"}', 'price_id'],
    [
      'a customer_ref of 201 characters',
      JSON.stringify({
        price_id: 'price_sandbox_onetime',
        mode: 'payment',
        customer_ref: 'u'.repeat(201),
      }),
      'customer_ref',
    ],
    [
      'JSON nested 5,000 levels deep',
      `{"price_id":"price_sandbox_onetime","mode":"payment","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`,
      'metadata',
    ],
  ])(
    'refuses %s with 400 naming the field, before any provider call',
    async (_name, body, field) => {
      const before = await checkoutRows();
      const response = await t.http
        .post('/api/v1/payment/checkout')
        .set('Content-Type', 'application/json')
        .send(body)
        .expect(400);
      expect(response.body.message).toContain(field.split('.')[0]);
      expect(await checkoutRows()).toBe(before);
    },
  );

  it('refuses a NUL in a path id and in a query filter', async () => {
    await t.http.get('/api/v1/payment/transactions/by-session/cs_%00x').expect(400);
    await t.http.get('/api/v1/payment/transactions?customer_ref=a%00b').expect(400);
    await t.http.get('/payment/status/cs_%00').expect(400);
  });

  it('treats null like an absent optional field', async () => {
    const response = await t.http
      .post('/api/v1/payment/checkout')
      .send({
        price_id: 'price_sandbox_onetime',
        mode: 'payment',
        success_url: null,
        cancel_url: null,
        customer_ref: null,
        metadata: null,
        quantity: null,
      })
      .expect(201);
    expect(response.body.session_id).toEqual(expect.any(String));
    const charge = await paidCharge();
    await t.http
      .post(`/api/v1/payment/refund/${charge.id}`)
      .send({ reason: null, amount: null })
      .expect(201);
  });

  it('refuses null for a required field, naming it', async () => {
    const response = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: null, mode: 'payment' })
      .expect(400);
    expect(response.body.details).toEqual({ fields: { price_id: expect.any(Array) } });
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'refuses a %s key on the sandbox simulate and clock routes',
    async (key) => {
      for (const url of [
        '/sandbox/simulate/dispute',
        '/sandbox/clock/advance',
        '/sandbox/simulate/refund',
      ]) {
        const response = await t.http
          .post(url)
          .set('Content-Type', 'application/json')
          .send(`{"${key}":{"x":1}}`)
          .expect(400);
        expect(response.body.message).toContain(key);
      }
    },
  );

  it('answers OPTIONS with 404 (no route answers it) rather than advertising methods', async () => {
    await t.http.options('/api/v1/payment/transactions').expect(404);
  });
});

describe('public routes are rate limited per client (429 with Retry-After)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      PUBLIC_RATE_LIMIT: '5',
      PUBLIC_RATE_LIMIT_WINDOW: '60',
      API_KEYS: 'k1',
    });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once a client exceeds the limit on a public route', async () => {
    for (let i = 0; i < 5; i++) await t.http.get('/payment/status/cs_unknown').expect(404);
    const limited = await t.http.get('/payment/status/cs_unknown').expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body).toEqual(
      expect.objectContaining({ statusCode: 429, message: expect.any(String) }),
    );
    await t.http.get('/payment/cancel').expect(429);
  });

  it('does not limit the API behind the key, nor the webhook', async () => {
    for (let i = 0; i < 8; i++)
      await t.http
        .get('/api/v1/payment/transactions')
        .set('Authorization', 'Bearer k1')
        .expect(200);
    for (let i = 0; i < 8; i++)
      await t.http
        .post('/api/v1/payment/webhook')
        .set('Content-Type', 'application/json')
        .send('{}')
        .expect(400);
  });
});

describe('the demo shop form', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({});
  });
  afterAll(() => t.close());

  it('starts the default checkout for a POST without a body (was a 500, found by the fuzz test)', async () => {
    const response = await t.http
      .post('/demo/checkout')
      .set('Content-Type', 'text/plain')
      .expect(303);
    expect(response.headers.location).toContain('/sandbox/checkout/');
  });
});
