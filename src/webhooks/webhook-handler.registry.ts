import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EmitEvent } from '../events/event-outbox';
import {
  CHANGE_KINDS,
  type ChangeKind,
  type ChangeOf,
} from '../payment-provider/payment-provider.types';

/** What a change handler gets besides the change itself. */
export interface WebhookContext {
  /** The open transaction the inbox row is locked in; write only through it. */
  manager: EntityManager;
  provider: string;
  /** The provider's event id, for listener dedup. */
  eventId: string;
  eventType: string;
  /** The provider's event time (whole seconds): the row's last-change time. */
  occurredAt: Date;
  /**
   * true when this event was tried before (it failed, or it is replayed): a
   * handler whose change is already applied still re-announces its events then.
   */
  rerun: boolean;
  /** Queue a domain event: written to the outbox in this transaction, delivered after commit, in order. */
  emit: EmitEvent;
}

/**
 * Thrown by a handler when the event's data can never be applied (DESIGN §6.1), e.g. a payment
 * whose charge id another payment already holds: the inbox parks the event `rejected` with this
 * message and answers 2xx, so the provider stops retrying and an operator sees it.
 */
export class RejectedEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RejectedEventError';
  }
}

export type ChangeHandler<K extends ChangeKind> = (
  change: ChangeOf<K>,
  context: WebhookContext,
) => Promise<void>;

/**
 * Feature modules contribute the handler for each change kind they own (in
 * onModuleInit); the webhooks module knows no feature. Every kind must have
 * exactly one handler: the app refuses to start otherwise.
 */
@Injectable()
export class WebhookHandlerRegistry implements OnApplicationBootstrap {
  private readonly handlers = new Map<ChangeKind, ChangeHandler<ChangeKind>>();

  register<K extends ChangeKind>(kind: K, handler: ChangeHandler<K>): void {
    if (this.handlers.has(kind))
      throw new Error(`A webhook handler for "${kind}" is already registered`);
    this.handlers.set(kind, handler as unknown as ChangeHandler<ChangeKind>);
  }

  handlerFor<K extends ChangeKind>(kind: K): ChangeHandler<K> {
    const handler = this.handlers.get(kind);
    if (!handler) throw new Error(`No webhook handler registered for "${kind}"`);
    return handler as unknown as ChangeHandler<K>;
  }

  missingKinds(): ChangeKind[] {
    return CHANGE_KINDS.filter((kind) => !this.handlers.has(kind));
  }

  onApplicationBootstrap(): void {
    const missing = this.missingKinds();
    if (missing.length > 0) {
      throw new Error(`No webhook handler registered for: ${missing.join(', ')}`);
    }
  }
}
