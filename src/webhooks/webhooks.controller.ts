import { PaymentController } from '../common/payment-controller.decorator';
import { HttpCode, Post, type RawBodyRequest, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiWebhookDelivery } from './webhook.openapi';
import type { Request } from 'express';
import { WebhookVerificationError } from '../payment-provider/payment-provider.errors';
import { WebhookRoute } from '../common/route-access.decorators';
import { WebhooksService } from './webhooks.service';

export const WEBHOOK_ROUTE = 'api/v1/payment/webhook';

@ApiTags('webhooks')
@PaymentController()
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /**
   * The provider's deliveries. The signature covers the exact bytes: they are
   * read from req.rawBody (Nest's `rawBody: true` in a host app; bootstrap's raw
   * parser in the standalone one), so any global or route prefix works; 2xx for processed, duplicate and ignored
   * events, 400 for unverifiable ones, 5xx when processing failed (retry).
   */
  @WebhookRoute()
  @ApiWebhookDelivery()
  @Post(WEBHOOK_ROUTE)
  @HttpCode(200)
  async receive(
    @Req() request: RawBodyRequest<Request>,
  ): Promise<{ received: true; event_id: string; outcome: string }> {
    const body: unknown = request.rawBody;
    if (!Buffer.isBuffer(body))
      throw new WebhookVerificationError(
        'Webhook body is missing (a Nest app mounting PaymentModule must be created with rawBody: true)',
      );
    const { eventId, outcome } = await this.webhooks.receive(body, request.headers);
    return { received: true, event_id: eventId, outcome };
  }
}
