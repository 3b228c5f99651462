import { PaymentController } from '../../common/payment-controller.decorator';
import { Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../../common/openapi/api-errors.decorator';
import { ApiHtmlPage } from '../../common/openapi/api-html.decorator';
import { SandboxSessionResultResponse } from './sandbox.responses';
import type { Response } from 'express';
import { SandboxCheckoutService, type CheckoutPageOutcome } from './sandbox-checkout.service';
import { renderCheckoutPage, renderProblemPage, SANDBOX_PAGE_CSP } from './sandbox-checkout.page';
import { AcceptsBody, Public } from '../../common/route-access.decorators';

/**
 * The hosted checkout page a session's url points at (the provider's page, in our process):
 * public, it is the buyer's. Expiring a session is a tool and needs the API key (when set).
 */
@ApiTags('sandbox')
@PaymentController('sandbox/checkout')
export class SandboxCheckoutController {
  constructor(private readonly checkout: SandboxCheckoutService) {}

  @ApiHtmlPage("The sandbox's hosted checkout page (a session's checkout_url)", {
    200: 'The page with Pay and Decline',
    404: 'No such session',
    410: 'The session expired',
  })
  @Public()
  @Get(':id')
  async page(@Param('id') id: string, @Res() response: Response): Promise<void> {
    respond(response, await this.checkout.view(id));
  }

  /** Pay: the payment succeeds (or the subscription starts), events are delivered, 303 to success_url. */
  @ApiHtmlPage(
    'Pay: the payment succeeds (or the subscription starts), its webhooks are delivered',
    {
      303: 'To success_url',
      404: 'No such session',
      409: 'The session is not open',
      410: 'The session expired',
    },
  )
  @Public()
  @AcceptsBody('form')
  @Post(':id/pay')
  async pay(@Param('id') id: string, @Res() response: Response): Promise<void> {
    respond(response, await this.checkout.pay(id));
  }

  /** Decline: payment_intent.payment_failed is delivered, the session stays open, 303 to cancel_url. */
  @ApiHtmlPage('Decline: payment_intent.payment_failed is delivered, the session stays open', {
    303: 'To cancel_url',
    404: 'No such session',
    409: 'The session is not open',
    410: 'The session expired',
  })
  @Public()
  @AcceptsBody('form')
  @Post(':id/decline')
  async decline(@Param('id') id: string, @Res() response: Response): Promise<void> {
    respond(response, await this.checkout.decline(id));
  }

  @ApiOperation({
    summary: 'Expire an open sandbox checkout session (sends checkout.session.expired)',
  })
  @ApiKeyProtected()
  @ApiOkResponse({ type: SandboxSessionResultResponse })
  @ApiErrors(404, 409)
  @Post(':id/expire')
  @HttpCode(200)
  expire(@Param('id') id: string): ReturnType<SandboxCheckoutService['expire']> {
    return this.checkout.expire(id);
  }
}

function respond(response: Response, outcome: CheckoutPageOutcome): void {
  response.setHeader('Cache-Control', 'no-store');
  if (outcome.kind === 'redirect') {
    // 303: the browser follows with a GET, whatever the form's method.
    response.redirect(303, outcome.url);
    return;
  }
  response.setHeader('Content-Security-Policy', SANDBOX_PAGE_CSP);
  response.setHeader('X-Frame-Options', 'DENY');
  response.type('html');
  if (outcome.kind === 'page') {
    response.status(200).send(renderCheckoutPage(outcome.session));
  } else {
    response
      .status(outcome.status)
      .send(renderProblemPage(outcome.status, outcome.title, outcome.message));
  }
}
