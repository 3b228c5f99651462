import { createTestApp, type TestApp } from '../support/test-app';

describe('home page', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('offers the sandbox demo checkouts and links the docs', async () => {
    const res = await t.http.get('/').expect(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.text).toContain('value="price_sandbox_onetime"');
    expect(res.text).toContain('value="price_sandbox_monthly"');
    expect(res.text).toContain('href="/docs"');
  });

  it('starts a real checkout from the demo form and redirects to its page', async () => {
    const res = await t.http
      .post('/demo/checkout')
      .type('form')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment' })
      .expect(303);
    expect(res.headers.location).toMatch(new RegExp(`^${t.baseUrl}/sandbox/checkout/cs_sbx_`));
    const sessionId = res.headers.location.split('/').pop();
    const session = await t.http.get(`/api/v1/payment/checkout/${sessionId}`).expect(200);
    expect(session.body).toEqual(expect.objectContaining({ status: 'open', mode: 'payment' }));
  });
});

describe('home page on Stripe', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: 'whsec_test',
    });
  });
  afterAll(() => t.close());

  it('has no demo shop and refuses the demo route', async () => {
    const page = await t.http.get('/').expect(200);
    expect(page.text).not.toContain('/demo/checkout');
    await t.http
      .post('/demo/checkout')
      .type('form')
      .send({ price_id: 'price_x', mode: 'payment' })
      .expect(404);
  });
});
