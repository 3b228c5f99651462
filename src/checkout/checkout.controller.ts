import { PaymentController } from '../common/payment-controller.decorator';
import { Body, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import { IDEMPOTENT_REPLAYED_HEADER } from '../common/openapi/api-fields';
import type { Response } from 'express';
import { IDEMPOTENCY_KEY_HEADER } from './checkout-idempotency';
import {
  toCreatedCheckoutResource,
  type CheckoutSessionResource,
  type CreatedCheckoutResource,
} from './checkout-session.resource';
import { CheckoutService } from './checkout.service';
import { CreateCheckoutService } from './create-checkout.service';
import { CheckoutSessionResponse, CreatedCheckoutResponse } from './dto/checkout-session.response';
import { CreateCheckoutDto } from './dto/create-checkout.dto';

@ApiTags('checkout')
@ApiKeyProtected()
@PaymentController('api/v1/payment/checkout')
export class CheckoutController {
  constructor(
    private readonly createCheckout: CreateCheckoutService,
    private readonly checkout: CheckoutService,
  ) {}

  @ApiOperation({
    summary: 'Start a hosted checkout for one price',
    description:
      'Returns the URL to send the buyer to. The result arrives by webhook: listen to payment.checkout.completed, or look it up with GET /checkout/:sessionId. 503: the provider was not reached and nothing was recorded — a retry is safe. 202: the outcome at the provider is unknown — do not retry; it will be settled by the service.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'A retry with the same key and body returns the same session; the same key with another body is 409.',
  })
  @ApiCreatedResponse({ type: CreatedCheckoutResponse, headers: IDEMPOTENT_REPLAYED_HEADER })
  @ApiAcceptedResponse({
    type: CreatedCheckoutResponse,
    headers: IDEMPOTENT_REPLAYED_HEADER,
    description:
      'The payment provider did not say whether it made the session (timeout, connection broken after sending): checkout_url is null and session_id is a temporary reference. Do not retry; it will be settled by the service within minutes — GET /api/v1/payment/checkout/{session_id} until checkout_url is there (status open), or status is expired (nothing was made: start a new checkout with a new Idempotency-Key).',
  })
  @ApiErrors(400, 409, 413, 415, 502, 503)
  @Post()
  @HttpCode(201)
  async create(
    @Body() body: CreateCheckoutDto,
    @Headers(IDEMPOTENCY_KEY_HEADER) idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<CreatedCheckoutResource> {
    const { session, replayed, pending } = await this.createCheckout.create(
      body,
      idempotencyKey ?? null,
    );
    if (replayed) response.setHeader('Idempotent-Replayed', 'true');
    // The provider's outcome is unknown: the service settles it; the client must not retry.
    if (pending) response.status(202);
    return toCreatedCheckoutResource(session);
  }

  @ApiOperation({
    summary: "A checkout session and what it produced (by the provider's session id)",
    description:
      "Also by the temporary session_id a 202 from POST /checkout answered: the row, once settled, shows the provider's session id and checkout_url (or status expired when nothing was made).",
  })
  @ApiOkResponse({ type: CheckoutSessionResponse })
  @ApiErrors(404)
  @Get(':sessionId')
  get(@Param('sessionId') sessionId: string): Promise<CheckoutSessionResource> {
    return this.checkout.get(sessionId);
  }
}
