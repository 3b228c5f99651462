import { PaymentController } from '../../common/payment-controller.decorator';
import { PaymentMount } from '../../common/payment-mount';
import { Body, Get, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiBody, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { ApiHtmlPage } from '../../common/openapi/api-html.decorator';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../common/domain-error';
import { AcceptsBody, Public } from '../../common/route-access.decorators';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { CreateCheckoutService } from '../create-checkout.service';
import { CHECKOUT_MODES } from '../dto/create-checkout.dto';
import { escapeHtml } from '../../pages/html-format';
import { layout, pageCsp } from './payment-pages.html';

/** The sandbox's bundled prices, offered on the demo page (other ids work too). */
const DEMO_PRICES = [
  { priceId: 'price_sandbox_onetime', mode: 'payment', label: 'Buy once' },
  { priceId: 'price_sandbox_monthly', mode: 'subscription', label: 'Subscribe monthly' },
] as const;

/**
 * `GET /`: what this service is and where to go next. With the sandbox provider it
 * is also a demo shop: its buttons start a real checkout (POST /demo/checkout),
 * so `npm start` → open http://localhost:8000 → pay → success page works offline.
 */
@ApiTags('checkout pages')
@Public()
@PaymentController()
export class HomePageController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly checkouts: CreateCheckoutService,
    private readonly mount: PaymentMount,
  ) {}

  @ApiHtmlPage('What this service is; with the sandbox provider, a demo shop', { 200: 'The page' })
  @Get()
  home(@Res() response: Response): void {
    const sandbox = this.config.paymentProvider === 'sandbox';
    const shop = sandbox
      ? `<p class="muted">Sandbox provider: no real money moves. Start a checkout:</p>
${DEMO_PRICES.map(
  (p) => `<form method="post" action="${escapeHtml(this.mount.path('demo/checkout'))}">
<input type="hidden" name="price_id" value="${escapeHtml(p.priceId)}"><input type="hidden" name="mode" value="${p.mode}">
<button class="button" type="submit">${escapeHtml(p.label)} <small>(${escapeHtml(p.priceId)})</small></button></form>`,
).join('\n')}`
      : `<p class="muted">Provider: ${escapeHtml(this.config.paymentProvider)}. Start checkouts from your backend with POST /api/v1/payment/checkout.</p>`;
    const html = layout(
      'Payment service',
      `<main class="card">
<h1>Payment service</h1>
${shop}
<p class="hint"><a href="/docs">API documentation</a> · <a href="${escapeHtml(this.mount.path('health/ready'))}">health</a></p>
</main>`,
      {
        head:
          '<style>form{margin:12px 0}button.button{width:100%;border:0;cursor:pointer;font:inherit;padding:12px 20px;' +
          'border-radius:10px;background:#1e3a8a;color:#fff;font-weight:600}button.button:hover{background:#1e40af}' +
          'button.button small{display:block;font-weight:400;opacity:.75;font-size:12px}</style>',
      },
    );
    response.setHeader('Content-Security-Policy', pageCsp(randomBytes(16).toString('base64')));
    response.type('html').send(html);
  }

  /** Sandbox only: starts a checkout from the demo page's form and sends the browser to it. */
  @ApiHtmlPage('Sandbox only: start a checkout from the demo page and go to it', {
    303: 'To the hosted checkout page',
  })
  @ApiBody({
    required: false,
    schema: {
      type: 'object',
      properties: {
        price_id: { type: 'string', example: 'price_sandbox_onetime' },
        mode: { type: 'string', enum: ['payment', 'subscription'] },
      },
    },
  })
  @ApiErrors(404)
  @AcceptsBody('form')
  @Post('demo/checkout')
  @HttpCode(303)
  async demoCheckout(
    @Body() form: Record<string, unknown> | undefined,
    @Res() response: Response,
  ): Promise<void> {
    const body = form ?? {};
    if (this.config.paymentProvider !== 'sandbox')
      throw new NotFoundError('Route', 'POST /demo/checkout');
    const mode = CHECKOUT_MODES.find((m) => m === body.mode) ?? 'payment';
    const priceId = typeof body.price_id === 'string' ? body.price_id : DEMO_PRICES[0].priceId;
    const created = await this.checkouts.create({ price_id: priceId, mode }, null);
    response.redirect(303, created.session.url ?? '/');
  }
}
