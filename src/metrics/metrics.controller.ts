import { PaymentController } from '../common/payment-controller.decorator';
import { Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import type { Response } from 'express';
import { PublicWhen } from '../common/route-access.decorators';
import { MetricsService } from './metrics.service';

export const METRICS_ROUTE = 'metrics';

/**
 * GET /metrics in the Prometheus text format. Behind the API key (when API_KEYS
 * is set) like any route, unless METRICS_PUBLIC=true.
 */
@ApiTags('operations')
@PaymentController()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get(METRICS_ROUTE)
  @ApiOperation({
    summary: 'Prometheus metrics (text format); needs the API key unless METRICS_PUBLIC=true',
  })
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiKeyProtected()
  @ApiErrors()
  @PublicWhen((config) => config.metricsPublic)
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    response.setHeader('Content-Type', this.metrics.contentType);
    response.send(await this.metrics.render());
  }
}
