import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** The label of requests that matched no route (404s, probes): keeps the label set bounded. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Observes every request's latency when its response is finished, labelled by
 * the route template (`/api/v1/payment/transactions/:id`, never the raw path,
 * so ids do not explode the label set) and the status code.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.httpRequest(
        request.method,
        routeTemplate(request),
        response.statusCode,
        seconds,
      );
    });
    next();
  }
}

function routeTemplate(request: Request): string {
  // Express sets request.route to the matched layer; it keeps the template path.
  const route: unknown = (request as { route?: unknown }).route;
  const path: unknown =
    typeof route === 'object' && route !== null ? (route as { path?: unknown }).path : undefined;
  if (typeof path !== 'string') return UNMATCHED_ROUTE;
  return `${request.baseUrl ?? ''}${path}` || '/';
}
