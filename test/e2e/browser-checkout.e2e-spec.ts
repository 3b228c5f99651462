import { Module, RequestMethod, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import * as fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * The buyer's path in a real browser (headless Chromium driven by playwright-core): open the
 * checkout URL, press Pay on the sandbox page, land on the bundled success page and watch it turn
 * from "processing" to "confirmed" once the webhook is processed.
 *
 * The sandbox delivers its webhooks before it redirects, so to see the page wait for the webhook
 * the test plays a provider whose deliveries are delayed: while the gate below is closed, webhook
 * deliveries are held (answered 503, as an unreachable endpoint would be); the test then delivers
 * the held requests, byte for byte with their signatures, the way the provider retries later.
 */

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
if (!hasChromium && process.env.REQUIRE_BROWSER === '1') {
  throw new Error(`REQUIRE_BROWSER=1 but ${CHROMIUM} is missing: apt-get install -y chromium`);
}
if (!hasChromium) {
  console.warn(
    `browser-checkout: skipped, ${CHROMIUM} is missing (apt-get install -y chromium; REQUIRE_BROWSER=1 makes this fail instead)`,
  );
}
const maybe = hasChromium ? describe : describe.skip;

interface HeldDelivery {
  body: Buffer;
  signature: string;
}

const gate = { closed: false, held: [] as HeldDelivery[] };

function webhookGate(request: Request, response: Response, next: NextFunction): void {
  if (!gate.closed) return next();
  gate.held.push({
    body: request.body as Buffer,
    signature: String(request.headers['sandbox-signature']),
  });
  response.status(503).json({
    statusCode: 503,
    error: 'Service Unavailable',
    message: 'webhook endpoint held by the test',
  });
}

@Module({})
class WebhookGateModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(webhookGate)
      .forRoutes({ path: 'api/v1/payment/webhook', method: RequestMethod.POST });
  }
}

maybe('checkout in a browser (e2e, headless Chromium)', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await createTestApp({}, { imports: [WebhookGateModule] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });
  afterEach(() => {
    gate.closed = false;
    gate.held = [];
  });

  /** Delivers each held webhook once, in the order the provider first sent them. */
  async function releaseHeldWebhooks(): Promise<void> {
    gate.closed = false;
    const seen = new Set<string>();
    for (const delivery of gate.held) {
      const key = delivery.body.toString('utf8');
      if (seen.has(key)) continue;
      seen.add(key);
      await t.http
        .post('/api/v1/payment/webhook')
        .set({ 'content-type': 'application/json', 'sandbox-signature': delivery.signature })
        .send(key)
        .expect(200);
    }
  }

  it('pays on the sandbox page and sees the success page turn from processing to confirmed with the amount', async () => {
    const created = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment', customer_ref: 'browser-user' })
      .expect(201);
    const { session_id: sessionId, checkout_url: checkoutUrl } = created.body;

    const context = await browser.newContext();
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    await page.goto(checkoutUrl);
    expect(await page.locator('h1').textContent()).toBe('Premium eBook');
    gate.closed = true;
    await Promise.all([
      page.waitForURL(`${t.baseUrl}/payment/success?session_id=${sessionId}`, { timeout: 30_000 }),
      page.locator('button.pay').click(),
    ]);

    // The provider's webhooks have not got through: the page says it is waiting.
    const status = page.locator('#checkout-status');
    expect(await status.getAttribute('data-state')).toBe('processing');
    expect(await page.locator('section[data-panel="processing"] h1').isVisible()).toBe(true);
    expect(await page.locator('section[data-panel="processing"] h1').textContent()).toBe(
      'Confirming your payment…',
    );
    expect(await page.locator('section[data-panel="confirmed"]').isVisible()).toBe(false);
    expect(gate.held.length).toBeGreaterThan(0);

    await releaseHeldWebhooks();
    await page.waitForSelector('#checkout-status[data-state="confirmed"]', { timeout: 20_000 });
    expect(await page.locator('section[data-panel="confirmed"] h1').textContent()).toBe(
      'Payment confirmed',
    );
    expect(await page.locator('[data-field="amount"]').textContent()).toBe('$29.00');
    const transaction = (
      await t.http.get(`/api/v1/payment/transactions/by-session/${sessionId}`).expect(200)
    ).body;
    expect(transaction.status).toBe('succeeded');
    expect(await page.locator('[data-field="reference"]').textContent()).toBe(
      transaction.provider_payment_intent_id,
    );
    expect(await page.locator('section[data-panel="processing"]').isVisible()).toBe(false);
    expect(await page.title()).toBe('Payment confirmed');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('says something sensible without JavaScript, and shows the confirmation on reload', async () => {
    const created = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment' })
      .expect(201);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(created.body.checkout_url);
    gate.closed = true;
    await Promise.all([
      page.waitForURL(/\/payment\/success\?session_id=/, { timeout: 30_000 }),
      page.locator('button.pay').click(),
    ]);
    expect(await page.locator('section[data-panel="processing"] h1').isVisible()).toBe(true);
    expect(await page.locator('noscript').first().count()).toBe(1);

    await releaseHeldWebhooks();
    await page.reload();
    expect(await page.locator('section[data-panel="confirmed"] h1').isVisible()).toBe(true);
    expect(await page.locator('[data-field="amount"]').textContent()).toBe('$29.00');
    await context.close();
  });

  it('shows the cancel page after a decline', async () => {
    const created = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment' })
      .expect(201);
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(created.body.checkout_url);
    await Promise.all([
      page.waitForURL(`${t.baseUrl}/payment/cancel`, { timeout: 30_000 }),
      page.locator('button.decline').click(),
    ]);
    expect(await page.locator('h1').textContent()).toBe('Payment canceled');
    await context.close();
  });
});
