import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { allValues } from '../common/openapi/api-fields';
import type { WebhookOutcome } from './webhooks.service';

export const WEBHOOK_OUTCOMES = allValues<WebhookOutcome>()(
  'processed',
  'duplicate',
  'ignored',
  'rejected',
);

/** What the webhook route answers the provider for a delivery it accepted. */
@ApiSchema({ name: 'WebhookReceipt' })
export class WebhookReceiptResponse {
  @ApiProperty({ type: 'boolean', enum: [true], example: true })
  received: true;

  @ApiProperty({ type: 'string', example: 'evt_1Pabc' })
  event_id: string;

  @ApiProperty({
    enum: WEBHOOK_OUTCOMES,
    enumName: 'WebhookOutcome',
    example: 'processed',
    description: 'duplicate: this event id was processed before; ignored: a type we do not handle',
  })
  outcome: WebhookOutcome;
}
