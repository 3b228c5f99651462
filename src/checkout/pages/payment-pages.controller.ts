import { PaymentController } from '../../common/payment-controller.decorator';
import { Get, Header, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../common/openapi/api-errors.decorator';
import { ApiHtmlPage } from '../../common/openapi/api-html.decorator';
import { PublicCheckoutStatusResponse } from '../dto/checkout-session.response';
import type { Response } from 'express';
import { randomBytes } from 'node:crypto';
import { NotFoundError } from '../../common/domain-error';
import { Public } from '../../common/route-access.decorators';
import { CheckoutService, type PublicCheckoutStatus } from '../checkout.service';
import {
  pageCsp,
  renderCancelPage,
  renderSuccessPage,
  renderUnknownCheckoutPage,
} from './payment-pages.html';

/** Provider ids are short and plain; anything else cannot name a session (and is not looked up). */
const SESSION_ID = /^[A-Za-z0-9_-]{1,255}$/;

/**
 * The buyer-facing routes (DESIGN §6.2), outside /api/v1/payment and so without an API key:
 * the bundled success and cancel pages, and the read-only status the success page polls.
 */
@ApiTags('checkout pages')
@Public()
@PaymentController('payment')
export class PaymentPagesController {
  constructor(private readonly checkout: CheckoutService) {}

  @ApiHtmlPage('The bundled success page (success_url by default)', {
    200: 'The page; it polls /payment/status/{sessionId} until the payment is confirmed',
    404: 'No such checkout session',
  })
  @ApiQuery({ name: 'session_id', required: false, type: 'string', example: 'cs_test_a1' })
  @Get('success')
  async success(@Query('session_id') sessionId: unknown, @Res() response: Response): Promise<void> {
    const state =
      typeof sessionId === 'string' && SESSION_ID.test(sessionId)
        ? await this.lookUp(sessionId)
        : null;
    const nonce = randomBytes(16).toString('base64');
    if (state === null || typeof sessionId !== 'string') {
      sendPage(response, 404, renderUnknownCheckoutPage(), nonce);
      return;
    }
    sendPage(response, 200, renderSuccessPage({ sessionId, state, nonce }), nonce);
  }

  @ApiHtmlPage('The bundled cancel page (cancel_url by default)', { 200: 'The page' })
  @Get('cancel')
  cancel(@Res() response: Response): void {
    sendPage(response, 200, renderCancelPage(), randomBytes(16).toString('base64'));
  }

  @ApiOperation({
    summary: "A checkout's outcome for the buyer's success page (public, read-only)",
    description:
      'processing until a webhook confirmed the payment; reveals only status, amount, currency and a confirmation reference.',
  })
  @ApiOkResponse({ type: PublicCheckoutStatusResponse })
  @ApiErrors(400, 404, 429)
  @Get('status/:sessionId')
  @Header('Cache-Control', 'no-store')
  async status(@Param('sessionId') sessionId: string): Promise<PublicCheckoutStatus> {
    if (!SESSION_ID.test(sessionId))
      throw new NotFoundError('Checkout session', sessionId.slice(0, 80));
    return this.checkout.publicStatus(sessionId);
  }

  private async lookUp(sessionId: string): Promise<PublicCheckoutStatus | null> {
    try {
      return await this.checkout.publicStatus(sessionId);
    } catch (error) {
      if (error instanceof NotFoundError) return null;
      throw error;
    }
  }
}

function sendPage(response: Response, status: number, html: string, nonce: string): void {
  response.setHeader('Content-Security-Policy', pageCsp(nonce));
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.type('html').status(status).send(html);
}
