import { Injectable } from '@nestjs/common';
import { ConflictError } from '../common/domain-error';
import { EventOutbox } from '../events/event-outbox';
import { PaymentEvents } from '../events/payment-events';
import {
  InjectPaymentProvider,
  type PaymentProvider,
} from '../payment-provider/payment-provider.interface';
import type { SubscriptionSnapshot } from '../payment-provider/payment-provider.types';
import { SubscriptionEntity } from './entities/subscription.entity';
import { isEnded, sameTime } from './subscription-ordering.policy';
import { toSubscriptionResource } from './subscription.resource';
import { SubscriptionUpdatedEvent } from './subscriptions.events';
import { SubscriptionsService } from './subscriptions.service';

type Operation = 'cancel-at-period-end' | 'resume';

/**
 * Schedules (and undoes) a cancellation at period end: the provider is told
 * first, outside any transaction, then the row takes the provider's answer. The
 * provider's webhook for the change follows and is applied as usual.
 */
@Injectable()
export class SubscriptionCancellationService {
  constructor(
    private readonly outbox: EventOutbox,
    @InjectPaymentProvider() private readonly provider: PaymentProvider,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  /**
   * The subscription stays active until current_period_end, then ends. Calling it
   * again is harmless.
   * @throws NotFoundError, ConflictError when the subscription has already ended
   */
  async cancelAtPeriodEnd(id: number): Promise<SubscriptionEntity> {
    const row = await this.liveSubscription(id, 'cancel');
    const snapshot = await this.provider.cancelSubscriptionAtPeriodEnd(
      row.providerSubscriptionId,
      idempotencyKey(row, 'cancel-at-period-end'),
    );
    return this.record(row, snapshot);
  }

  /**
   * Undoes a scheduled cancellation; harmless when none is scheduled.
   * @throws NotFoundError, ConflictError when the subscription has already ended
   */
  async resume(id: number): Promise<SubscriptionEntity> {
    const row = await this.liveSubscription(id, 'resume');
    const snapshot = await this.provider.resumeSubscription(
      row.providerSubscriptionId,
      idempotencyKey(row, 'resume'),
    );
    return this.record(row, snapshot);
  }

  private async liveSubscription(
    id: number,
    verb: 'cancel' | 'resume',
  ): Promise<SubscriptionEntity> {
    const row = await this.subscriptions.get(id);
    if (isEnded(row.status)) {
      throw new ConflictError(
        `Subscription ${id} has already ended (status ${row.status}); it cannot be ${verb === 'cancel' ? 'canceled' : 'resumed'}`,
        { status: row.status },
      );
    }
    if (row.provider !== this.provider.name) {
      throw new ConflictError(
        `Subscription ${id} belongs to the ${row.provider} provider, but this service runs ${this.provider.name}`,
      );
    }
    return row;
  }

  /**
   * Takes the cancellation fields of the provider's answer, unless a webhook changed the row
   * while the call ran: the answer carries no event time, so it cannot be ordered against that
   * webhook's state, which may be newer (and the webhook for our own change follows anyway).
   */
  private async record(
    before: SubscriptionEntity,
    snapshot: SubscriptionSnapshot,
  ): Promise<SubscriptionEntity> {
    const id = before.id;
    // The row and its `payment.subscription.updated` commit together.
    return this.outbox.transaction(async (manager, emit) => {
      const repository = manager.getRepository(SubscriptionEntity);
      const locked = await repository.findOneOrFail({
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      if (isEnded(locked.status)) return locked;
      // Status and providerUpdatedAt stay the webhooks' business: the answer carries no event time.
      const values = {
        cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
        cancelAt: snapshot.cancelAt,
        canceledAt: snapshot.canceledAt,
        currentPeriodStart: snapshot.currentPeriodStart ?? locked.currentPeriodStart,
        currentPeriodEnd: snapshot.currentPeriodEnd ?? locked.currentPeriodEnd,
      };
      if (!sameTime(locked.providerUpdatedAt, before.providerUpdatedAt)) {
        // A webhook landed during the call: it may be newer than the answer (or just the echo
        // of an earlier change), so the row stays the webhooks'. The caller still learns what
        // the provider answered; the webhook for this change brings the row in step.
        return Object.assign(new SubscriptionEntity(), locked, values);
      }
      const differs =
        values.cancelAtPeriodEnd !== locked.cancelAtPeriodEnd ||
        !sameTime(values.cancelAt, locked.cancelAt) ||
        !sameTime(values.canceledAt, locked.canceledAt) ||
        !sameTime(values.currentPeriodStart, locked.currentPeriodStart) ||
        !sameTime(values.currentPeriodEnd, locked.currentPeriodEnd);
      if (!differs) return locked;
      await repository.update(id, values);
      const row = await repository.findOneByOrFail({ id });
      emit(
        PaymentEvents.SUBSCRIPTION_UPDATED,
        new SubscriptionUpdatedEvent(toSubscriptionResource(row), locked.status, {
          providerEventId: null,
          occurredAt: new Date(),
          raw: null,
        }),
      );
      return row;
    });
  }
}

/**
 * Derived from our row: a double click (same row state) is one request at the
 * provider, while a cancel after a resume (the row changed) is a new one rather
 * than the provider's cached answer to the first cancel.
 */
export function idempotencyKey(row: SubscriptionEntity, operation: Operation): string {
  const periodEnd = row.currentPeriodEnd
    ? Math.floor(row.currentPeriodEnd.getTime() / 1000)
    : 'none';
  return `subscription-${row.id}-${operation}-${periodEnd}-v${row.updatedAt.getTime()}`;
}
