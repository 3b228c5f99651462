import { Global, Module } from '@nestjs/common';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsService } from './metrics.service';

/**
 * The MetricsService every feature records through (global:
 * inject MetricsService anywhere). The outbox gauges come from an optional
 * BacklogProbe (backlog-probe.ts). GET /metrics (MetricsController) and the
 * request middleware are mounted by PaymentModule (route group `metrics`).
 */
@Global()
@Module({
  providers: [MetricsService, HttpMetricsMiddleware],
  exports: [MetricsService, HttpMetricsMiddleware],
})
export class MetricsModule {}
