import type { INestApplication } from '@nestjs/common';
import express, { raw, type Request, type Response } from 'express';
import { AllExceptionsFilter } from '../common/all-exceptions.filter';
import { MetricsService } from '../metrics/metrics.service';
import type { WebhookReceiptResponse } from './webhook-receipt.response';
import { WEBHOOK_ROUTE } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

const ROUTE_LABEL = `/${WEBHOOK_ROUTE}`;

/**
 * The standalone service's webhook route. The provider's deliveries are the service's
 * busiest requests, so here they skip what a webhook does not use — Nest's router, the
 * guards (the route is public, raw and never throttled: @WebhookRoute), pipes and
 * interceptors — and go from the raw body straight to WebhooksService: a storm of
 * redeliveries is answered from memory at about the cost of verifying the signature.
 *
 * The answers are WebhooksController's (which a Nest app mounting PaymentModule serves):
 * 200 with the receipt; errors in the §9 shape from the same filter; the request id and
 * the request's log line (pino-http, mounted before this by createApp), its logging
 * context, and the http_request_duration_seconds sample under the same route label.
 * Mounted on the Express instance before Nest registers its routes, so it answers first.
 */
export function mountWebhookRoute(
  server: express.Express,
  app: INestApplication,
  options: {
    bodyLimitBytes: number;
    inRequestContext: <T>(requestId: unknown, work: () => T) => T;
  },
): void {
  const webhooks = app.get(WebhooksService);
  const metrics = app.get(MetricsService);
  const errors = new AllExceptionsFilter();
  server.post(
    ROUTE_LABEL,
    raw({ type: () => true, limit: options.bodyLimitBytes }),
    (request: Request, response: Response) => {
      const started = process.hrtime.bigint();
      response.once('finish', () =>
        metrics.httpRequest(
          'POST',
          ROUTE_LABEL,
          response.statusCode,
          Number(process.hrtime.bigint() - started) / 1e9,
        ),
      );
      const body: unknown = request.body;
      void options.inRequestContext((request as { id?: unknown }).id, () =>
        webhooks.receive(Buffer.isBuffer(body) ? body : Buffer.alloc(0), request.headers).then(
          ({ eventId, outcome }) => {
            const receipt: WebhookReceiptResponse = {
              received: true,
              event_id: eventId,
              outcome,
            };
            response.status(200).json(receipt);
          },
          (error: unknown) => errors.respond(response, error),
        ),
      );
    },
  );
}
