import { Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { SandboxCheckoutService, type CheckoutPageOutcome } from './sandbox-checkout.service';
import { renderCheckoutPage, renderProblemPage, SANDBOX_PAGE_CSP } from './sandbox-checkout.page';
import { AcceptsBody, Public } from '../../common/route-access.decorators';

/**
 * The hosted checkout page a session's url points at (the provider's page, in our process):
 * public, it is the buyer's. Expiring a session is a tool and needs the API key (when set).
 */
@ApiTags('sandbox')
@Controller('sandbox/checkout')
export class SandboxCheckoutController {
  constructor(private readonly checkout: SandboxCheckoutService) {}

  @ApiExcludeEndpoint()
  @Public()
  @Get(':id')
  async page(@Param('id') id: string, @Res() response: Response): Promise<void> {
    respond(response, await this.checkout.view(id));
  }

  /** Pay: the payment succeeds (or the subscription starts), events are delivered, 303 to success_url. */
  @ApiExcludeEndpoint()
  @Public()
  @AcceptsBody('form')
  @Post(':id/pay')
  async pay(@Param('id') id: string, @Res() response: Response): Promise<void> {
    respond(response, await this.checkout.pay(id));
  }

  /** Decline: payment_intent.payment_failed is delivered, the session stays open, 303 to cancel_url. */
  @ApiExcludeEndpoint()
  @Public()
  @AcceptsBody('form')
  @Post(':id/decline')
  async decline(@Param('id') id: string, @Res() response: Response): Promise<void> {
    respond(response, await this.checkout.decline(id));
  }

  @ApiOperation({
    summary: 'Expire an open sandbox checkout session (sends checkout.session.expired)',
  })
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
