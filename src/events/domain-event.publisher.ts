import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

/**
 * Emits domain events and waits for their listeners, so that a listener's
 * failure reaches the caller (the webhook then answers 5xx and is retried).
 * Call it only after the database transaction has committed.
 */
@Injectable()
export class DomainEventPublisher {
  constructor(private readonly emitter: EventEmitter2) {}

  async publish(events: readonly { name: string; payload: object }[]): Promise<void> {
    for (const event of events) {
      await this.emitter.emitAsync(event.name, event.payload);
    }
  }
}
