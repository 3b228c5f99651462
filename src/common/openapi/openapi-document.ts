import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { ErrorBodyDto } from './error-body.dto';

/**
 * The OpenAPI document, generated from the controllers' and DTOs' decorators.
 * API keys are opaque bearer tokens (no bearerFormat: they are not JWTs); the
 * routes behind the key declare it with @ApiKeyProtected().
 */
export function createOpenApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Payment service')
      .setDescription(
        'Checkouts, subscriptions, refunds, disputes. Every error answers the ErrorBody shape. ' +
          'See README for the domain events and for generating a typed client from /docs-json.',
      )
      .setVersion('1')
      // addSecurity, not addBearerAuth: that one adds bearerFormat JWT, which our keys are not.
      .addSecurity('bearer', {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key from API_KEYS: `Authorization: Bearer <key>`',
      })
      .build(),
    {
      extraModels: [ErrorBodyDto],
      // Transactions_list rather than TransactionsController_list in generated clients.
      operationIdFactory: (controllerKey, methodKey) =>
        `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
    },
  );
}
