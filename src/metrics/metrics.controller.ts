import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiKeys } from '../common/api-keys';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

export const METRICS_ROUTE = 'metrics';

/**
 * GET /metrics in the Prometheus text format. Needs the API key (when API_KEYS
 * is set) unless METRICS_PUBLIC=true: see `requireMetricsKey`.
 */
@Controller()
export class MetricsController {
  private readonly keys: ApiKeys;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.keys = new ApiKeys(config.apiKeys);
  }

  @Get(METRICS_ROUTE)
  @ApiExcludeEndpoint()
  @Header('Cache-Control', 'no-store')
  async scrape(@Req() request: Request, @Res() response: Response): Promise<void> {
    this.requireMetricsKey(request);
    response.setHeader('Content-Type', this.metrics.contentType);
    response.send(await this.metrics.render());
  }

  /**
   * METRICS_PUBLIC=false (the default): the scraper sends `Authorization: Bearer <key>`
   * like any API client. This check stands on its own, so the route is safe whether or
   * not a global guard also applies; with a default-deny guard, mark the route public
   * for METRICS_PUBLIC=true and this check keeps the key required otherwise.
   */
  private requireMetricsKey(request: Request): void {
    if (this.config.metricsPublic || !this.keys.enabled) return;
    this.keys.verify(request.headers.authorization);
  }
}
