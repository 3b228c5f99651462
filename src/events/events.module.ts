import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { EventDelivery } from './event-delivery';
import { EventOutbox } from './event-outbox';
import { EventsService } from './events.service';
import { JobEngine } from './job-engine';
import { PaymentListenerRegistry } from './payment-listener.registry';

/**
 * Durable domain events (DESIGN §7, §10): the outbox, delivery to each
 * `@OnPaymentEvent` listener through the job engine (graphile-worker), which
 * also runs the scheduled jobs.
 */
@Global()
@Module({
  imports: [DiscoveryModule],
  providers: [PaymentListenerRegistry, JobEngine, EventOutbox, EventDelivery, EventsService],
  exports: [EventOutbox, JobEngine, EventsService],
})
export class EventsModule {}
