import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { WebhookReceiptResponse } from './webhook-receipt.response';
import type { Request } from 'express';
import { WebhookVerificationError } from '../payment-provider/payment-provider.errors';
import { WebhooksService } from './webhooks.service';

export const WEBHOOK_ROUTE = 'api/v1/payment/webhook';

@ApiTags('webhooks')
@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /**
   * The provider's deliveries. main.ts gives this route the raw bytes (the
   * signature covers them exactly); 2xx for processed, duplicate and ignored
   * events, 400 for unverifiable ones, 5xx when processing failed (retry).
   */
  @ApiOperation({
    summary: "The payment provider's event deliveries (point the provider's webhook here)",
    description:
      'Not for app code. The signature covers the exact bytes; no API key. 2xx for processed, duplicate and ignored events; 400 for an unverifiable delivery; 500 when processing failed (the provider retries).',
  })
  @ApiHeader({
    name: 'Stripe-Signature',
    required: false,
    description: 'with PAYMENT_PROVIDER=stripe',
  })
  @ApiHeader({
    name: 'Sandbox-Signature',
    required: false,
    description: 'with the sandbox provider',
  })
  @ApiBody({
    description: "The provider's event (e.g. a Stripe Event object), as the provider sent it",
    schema: {
      type: 'object',
      additionalProperties: true,
      properties: {
        id: { type: 'string', example: 'evt_1Pabc' },
        type: { type: 'string', example: 'checkout.session.completed' },
      },
    },
  })
  @ApiOkResponse({ type: WebhookReceiptResponse })
  @ApiErrors(400, 413)
  @Post(WEBHOOK_ROUTE)
  @HttpCode(200)
  async receive(
    @Req() request: Request,
  ): Promise<{ received: true; event_id: string; outcome: string }> {
    const body: unknown = request.body;
    if (!Buffer.isBuffer(body)) throw new WebhookVerificationError('Webhook body is missing');
    const { eventId, outcome } = await this.webhooks.receive(body, request.headers);
    return { received: true, event_id: eventId, outcome };
  }
}
