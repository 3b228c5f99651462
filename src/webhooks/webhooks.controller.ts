import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiWebhookDelivery } from './webhook.openapi';
import type { Request } from 'express';
import { WebhookVerificationError } from '../payment-provider/payment-provider.errors';
import { WebhookRoute } from '../common/route-access.decorators';
import { WebhooksService } from './webhooks.service';

export const WEBHOOK_ROUTE = 'api/v1/payment/webhook';

@ApiTags('webhooks')
@Controller()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /**
   * The provider's deliveries. bootstrap gives this route the raw bytes (the
   * signature covers them exactly); 2xx for processed, duplicate and ignored
   * events, 400 for unverifiable ones, 5xx when processing failed (retry).
   */
  @WebhookRoute()
  @ApiWebhookDelivery()
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
