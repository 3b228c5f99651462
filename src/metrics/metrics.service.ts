import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BACKLOG_PROBE, type BacklogProbe } from './backlog-probe';

/** How one run of a background job ended. */
export type JobOutcome = 'succeeded' | 'failed' | 'skipped';

/** What became of one verified webhook delivery. */
export type WebhookMetricOutcome = 'processed' | 'duplicate' | 'ignored' | 'failed' | 'rejected';

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Every metric the service exposes on GET /metrics, in one registry of its own
 * (not prom-client's global one): an app that runs the service in-process, or a
 * test that boots several instances, keeps its own metrics apart.
 *
 * Features call the small methods below (`jobRun`, `webhookHandled`, …) rather
 * than prom-client, so metric names and labels live in this one file.
 */
@Injectable()
export class MetricsService implements OnModuleInit {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly webhooksReceived = new Counter({
    name: 'payments_webhooks_received_total',
    help: 'Verified webhook deliveries by event type',
    labelNames: ['event_type'],
    registers: [this.registry],
  });

  private readonly webhooksHandled = new Counter({
    name: 'payments_webhooks_handled_total',
    help: 'Verified webhook deliveries by event type and outcome (processed, duplicate, ignored, failed)',
    labelNames: ['event_type', 'outcome'],
    registers: [this.registry],
  });

  private readonly webhooksRejected = new Counter({
    name: 'payments_webhooks_rejected_total',
    help: 'Webhook deliveries refused before storing (bad or missing signature, malformed body)',
    registers: [this.registry],
  });

  private readonly providerDuration = new Histogram({
    name: 'payments_provider_call_duration_seconds',
    help: 'Payment provider call latency by operation and outcome (ok, error)',
    labelNames: ['provider', 'operation', 'outcome'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });

  private readonly providerErrors = new Counter({
    name: 'payments_provider_call_errors_total',
    help: 'Failed payment provider calls by operation and error kind (invalid_request, provider_error, unavailable, unknown)',
    labelNames: ['provider', 'operation', 'kind'],
    registers: [this.registry],
  });

  private readonly jobRuns = new Counter({
    name: 'payments_job_runs_total',
    help: 'Background job runs by job name and outcome (succeeded, failed, skipped)',
    labelNames: ['job', 'outcome'],
    registers: [this.registry],
  });

  private readonly jobFailures = new Counter({
    name: 'payments_job_failures_total',
    help: 'Background job runs that failed, by job name',
    labelNames: ['job'],
    registers: [this.registry],
  });

  private readonly jobDuration = new Histogram({
    name: 'payments_job_duration_seconds',
    help: 'Background job run duration by job name',
    labelNames: ['job'],
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
    registers: [this.registry],
  });

  constructor(private readonly moduleRef: ModuleRef) {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Picks up a BacklogProbe provided by any module of the app (none: no outbox gauges). */
  onModuleInit(): void {
    let probe: BacklogProbe | undefined;
    try {
      probe = this.moduleRef.get<BacklogProbe>(BACKLOG_PROBE, { strict: false });
    } catch {
      probe = undefined;
    }
    if (probe) this.registerBacklog(probe);
  }

  /** Content-Type of `render()`'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  httpRequest(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  webhookReceived(eventType: string): void {
    this.webhooksReceived.inc({ event_type: eventType });
  }

  webhookHandled(eventType: string, outcome: WebhookMetricOutcome): void {
    this.webhooksHandled.inc({ event_type: eventType, outcome });
  }

  webhookRejected(): void {
    this.webhooksRejected.inc();
  }

  providerCall(provider: string, operation: string, seconds: number, errorKind?: string): void {
    this.providerDuration.observe(
      { provider, operation, outcome: errorKind ? 'error' : 'ok' },
      seconds,
    );
    if (errorKind) this.providerErrors.inc({ provider, operation, kind: errorKind });
  }

  /** Counts one run of a background job; `failed` also counts in payments_job_failures_total. */
  jobRun(job: string, outcome: JobOutcome, seconds?: number): void {
    this.jobRuns.inc({ job, outcome });
    if (outcome === 'failed') this.jobFailures.inc({ job });
    if (seconds !== undefined) this.jobDuration.observe({ job }, seconds);
  }

  /**
   * Runs `fn` as one run of job `job`: counted as failed when it throws (the error is
   * rethrown), otherwise as `outcomeOf(result)` (default succeeded), with its duration.
   */
  async timeJob<T>(
    job: string,
    fn: () => Promise<T>,
    outcomeOf: (result: T) => JobOutcome = () => 'succeeded',
  ): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      this.jobRun(job, 'failed', seconds());
      throw error;
    }
    this.jobRun(job, outcomeOf(result), seconds());
    return result;
  }

  /** The outbox gauges exist only when something supplies the numbers (see BacklogProbe). */
  private registerBacklog(probe: BacklogProbe): void {
    // One probe call per scrape feeds both gauges.
    let pending: Promise<Awaited<ReturnType<BacklogProbe['measure']>>> | undefined;
    const measure = () => (pending ??= probe.measure().finally(() => (pending = undefined)));
    new Gauge({
      name: 'payments_outbox_backlog',
      help: 'Domain events written to the outbox and not yet delivered',
      registers: [this.registry],
      async collect() {
        this.set((await measure()).pending);
      },
    });
    new Gauge({
      name: 'payments_outbox_oldest_age_seconds',
      help: 'Age of the oldest undelivered outbox event (0 when none)',
      registers: [this.registry],
      async collect() {
        this.set((await measure()).oldestAgeSeconds ?? 0);
      },
    });
  }
}
