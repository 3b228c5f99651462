import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { startTime } from 'pino-http';
import { AllExceptionsFilter, type JsonResponse } from '../common/all-exceptions.filter';
import { requestIdOf, type HttpLogger, type RootLogger } from '../common/logging';
import { MetricsService } from '../metrics/metrics.service';
import type { WebhookReceiptResponse } from './webhook-receipt.response';
import { WEBHOOK_ROUTE } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

const ROUTE_LABEL = `/${WEBHOOK_ROUTE}`;

/**
 * The standalone service's webhook route, served by the HTTP server itself, ahead of Express.
 * The provider's deliveries are the service's busiest requests, so a plain delivery (a POST to
 * exactly the webhook path, with a Content-Length within BODY_LIMIT and no Content-Encoding)
 * skips what a webhook does not use — Express's router and body parsers, Nest's router, guards
 * (the route is public, raw and never throttled: @WebhookRoute), pipes and interceptors — and
 * goes from its bytes straight to WebhooksService: a storm of redeliveries is answered from
 * memory at about the cost of verifying the signature. Anything else (a compressed or chunked
 * body, one over the limit, a query string) takes Nest's WebhooksController, which answers the
 * same, as it does in a host app.
 *
 * Kept from the rest of the app: the request id (X-Request-Id, as the request logger gives it),
 * the logging context of the work, the request's log line (pino-http's, attached only when its
 * level is enabled: at LOG_LEVEL=warn a delivery builds no request logger), errors in the §9
 * shape from the same filter, and the http_request_duration_seconds sample under the route label.
 */
export function mountWebhookRoute(
  server: Server,
  app: INestApplication,
  options: {
    bodyLimitBytes: number;
    logger: RootLogger;
    httpLogger: HttpLogger;
    inRequestContext: <T>(requestId: unknown, work: () => T) => T;
  },
): void {
  const webhooks = app.get(WebhooksService);
  const metrics = app.get(MetricsService);
  const errors = new AllExceptionsFilter();
  const { logger, httpLogger, bodyLimitBytes } = options;
  const rest = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');

  const serve = (request: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const started = process.hrtime.bigint();
    const id = requestIdOf(request, response);
    (request as IncomingMessage & { id?: string }).id = id;
    (response as ServerResponse & { [startTime]?: number })[startTime] = Date.now();
    let logged = logger.isLevelEnabled('info');
    if (logged) httpLogger(request, response, () => undefined);
    response.once('finish', () =>
      metrics.httpRequest(
        'POST',
        ROUTE_LABEL,
        response.statusCode,
        Number(process.hrtime.bigint() - started) / 1e9,
      ),
    );
    const answer = jsonAnswer(response, () => {
      // A failure is logged even when success lines are not (as the request logger does).
      if (!logged && response.statusCode >= 500) {
        logged = true;
        httpLogger(request, response, () => undefined);
      }
    });
    void options.inRequestContext(id, () =>
      webhooks.receive(body, request.headers).then(
        ({ eventId, outcome }) => {
          const receipt: WebhookReceiptResponse = { received: true, event_id: eventId, outcome };
          answer.status(200).json(receipt);
        },
        (error: unknown) => errors.respond(answer, error),
      ),
    );
  };

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const length = Number(request.headers['content-length']);
    if (
      request.method !== 'POST' ||
      request.url !== ROUTE_LABEL ||
      request.headers['content-encoding'] !== undefined ||
      !Number.isSafeInteger(length) ||
      length > bodyLimitBytes
    ) {
      for (const listener of rest) listener(request, response);
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () => serve(request, response, Buffer.concat(chunks)));
    request.once('error', () => response.destroy());
  });
}

/** The answer's `status(…).json(…)`, as the error filter writes it, on a bare ServerResponse. */
function jsonAnswer(response: ServerResponse, beforeWrite: () => void): JsonResponse {
  const answer: JsonResponse = {
    get headersSent() {
      return response.headersSent;
    },
    setHeader: (name, value) => response.setHeader(name, value),
    status(code) {
      response.statusCode = code;
      return answer;
    },
    json(body) {
      beforeWrite();
      const text = JSON.stringify(body);
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.setHeader('Content-Length', Buffer.byteLength(text));
      response.end(text);
      return answer;
    },
  };
  return answer;
}
