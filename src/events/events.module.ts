import { Global, Module } from '@nestjs/common';
import { BACKLOG_PROBE, type BacklogProbe } from '../metrics/backlog-probe';
import { DiscoveryModule } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { EventDelivery } from './event-delivery';
import { EventOutbox } from './event-outbox';
import { EventsService } from './events.service';
import { JobEngine } from './job-engine';
import { PaymentListenerRegistry } from './payment-listener.registry';
import { ScheduledJobs } from './scheduled-jobs';
import { SettlementJob } from './settlement-job';
import { TableStatistics } from '../database/table-statistics';

/**
 * Durable domain events (DESIGN §7, §10): the outbox, delivery to each
 * `@OnPaymentEvent` listener through the job engine (graphile-worker), which
 * also runs the scheduled jobs.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [
    PaymentListenerRegistry,
    JobEngine,
    EventOutbox,
    EventDelivery,
    EventsService,
    ScheduledJobs,
    SettlementJob,
    // Fresh planner statistics for the drain's table (and the listeners'), on the worker instance.
    TableStatistics,
    // ScheduledJobs starts and stops its own cron jobs (no @Cron decorators): a registry of the
    // service's own, no ScheduleModule.forRoot() — a host's @Cron jobs never run twice.
    SchedulerRegistry,
    // The outbox gauges of GET /metrics.
    {
      provide: BACKLOG_PROBE,
      inject: [EventsService],
      useFactory: (events: EventsService): BacklogProbe => ({
        async measure() {
          const backlog = await events.backlog();
          return {
            pending: backlog.undelivered,
            oldestAgeSeconds: backlog.oldest_undelivered_age_seconds,
          };
        },
      }),
    },
  ],
  exports: [EventOutbox, JobEngine, EventsService, ScheduledJobs, SettlementJob],
})
export class EventsModule {}
