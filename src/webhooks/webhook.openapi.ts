import { applyDecorators } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ApiErrors } from '../common/openapi/api-errors.decorator';
import { WebhookReceiptResponse } from './webhook-receipt.response';

/** How the OpenAPI document shows the webhook route (kept here so the controller stays short). */
export function ApiWebhookDelivery(): MethodDecorator {
  return applyDecorators(
    ApiOperation({
      summary: "The payment provider's event deliveries (point the provider's webhook here)",
      description:
        'Not for app code. The signature covers the exact bytes; no API key. 2xx for processed, duplicate and ignored events; 400 for an unverifiable delivery; 500 when processing failed (the provider retries).',
    }),
    ApiHeader({
      name: 'Stripe-Signature',
      required: false,
      description: 'with PAYMENT_PROVIDER=stripe',
    }),
    ApiHeader({
      name: 'Sandbox-Signature',
      required: false,
      description: 'with the sandbox provider',
    }),
    ApiBody({
      description: "The provider's event (e.g. a Stripe Event object), as the provider sent it",
      schema: {
        type: 'object',
        additionalProperties: true,
        properties: {
          id: { type: 'string', example: 'evt_1Pabc' },
          type: { type: 'string', example: 'checkout.session.completed' },
        },
      },
    }),
    ApiOkResponse({ type: WebhookReceiptResponse }),
    ApiErrors(400, 413),
  );
}
