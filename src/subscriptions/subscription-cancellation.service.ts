import { Injectable, Logger } from '@nestjs/common';
import { ConflictError } from '../common/domain-error';
import { EventOutbox } from '../events/event-outbox';
import { PaymentEvents } from '../events/payment-events';
import { ProviderError } from '../payment-provider/payment-provider.errors';
import {
  InjectPaymentProvider,
  type PaymentProvider,
} from '../payment-provider/payment-provider.interface';
import type { SubscriptionSnapshot } from '../payment-provider/payment-provider.types';
import { SubscriptionEntity, type PendingSubscriptionChange } from './entities/subscription.entity';
import { NO_PENDING_CHANGE, cancelAtPeriodEndOf } from './pending-change';
import { isEnded, sameTime } from './subscription-ordering.policy';
import { toSubscriptionResource } from './subscription.resource';
import { SubscriptionUpdatedEvent } from './subscriptions.events';
import { SubscriptionsService } from './subscriptions.service';

type Operation = 'cancel-at-period-end' | 'resume';

export interface SubscriptionChangeResult {
  subscription: SubscriptionEntity;
  /**
   * The provider's outcome is not known (the call timed out or broke after sending): the row
   * shows the pending change and the service settles it. HTTP 202.
   */
  pending: boolean;
}

/**
 * Schedules (and undoes) a cancellation at period end: the provider is told
 * first, outside any transaction, then the row takes the provider's answer. The
 * provider's webhook for the change follows and is applied as usual.
 *
 * Provider failures (DESIGN §9): not sent (connection refused, 429) or refused → the error
 * (503 / 400), nothing changed, a retry is safe. Outcome unknown (timeout, reset after sending,
 * 5xx) → the row is marked with the pending change and the key it was sent with (202); the
 * settling job re-sends it with that key (settle()), or the webhook that shows the change clears
 * the mark. While it is pending, the same request answers the same 202 without a provider call.
 */
@Injectable()
export class SubscriptionCancellationService {
  private readonly logger = new Logger(SubscriptionCancellationService.name);

  constructor(
    private readonly outbox: EventOutbox,
    @InjectPaymentProvider() private readonly provider: PaymentProvider,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  /**
   * The subscription stays active until current_period_end, then ends. Calling it
   * again is harmless.
   * @throws NotFoundError, ConflictError when the subscription has already ended or a resume is pending
   */
  cancelAtPeriodEnd(id: number): Promise<SubscriptionChangeResult> {
    return this.change(id, 'cancel_at_period_end');
  }

  /**
   * Undoes a scheduled cancellation; harmless when none is scheduled.
   * @throws NotFoundError, ConflictError when the subscription has already ended or a cancel is pending
   */
  resume(id: number): Promise<SubscriptionChangeResult> {
    return this.change(id, 'resume');
  }

  /**
   * The settling job's pass over pending changes: each is sent again with the key it was first
   * sent with, until the provider answers. Past the provider's idempotency window the same key
   * is a new request — harmless here, as the call sets a state (cancel_at_period_end) rather
   * than adding anything. A refusal (e.g. the subscription ended at the provider) clears the
   * mark: there is nothing left to do.
   */
  async settle(limit = 100): Promise<SettledSubscriptionChange[]> {
    const rows = await this.subscriptions.withPendingChange(limit);
    const results: SettledSubscriptionChange[] = [];
    for (const row of rows) {
      const change = row.pendingChange!;
      if (isEnded(row.status)) {
        results.push({ subscription: await this.clearPending(row), error: null });
        continue;
      }
      try {
        const snapshot = await this.send(row, change, row.pendingChangeKey ?? key(row, change));
        results.push({ subscription: await this.record(row, snapshot, true), error: null });
      } catch (error) {
        const message = (error as Error)?.message ?? String(error);
        if (error instanceof ProviderError && error.outcome === 'refused') {
          this.logger.warn({
            msg: 'pending subscription change refused by the provider; mark cleared',
            subscription_id: row.id,
            change,
            error: message,
          });
          results.push({ subscription: await this.clearPending(row), error: message });
          continue;
        }
        results.push({ subscription: row, error: message });
      }
    }
    return results;
  }

  private async change(
    id: number,
    change: PendingSubscriptionChange,
  ): Promise<SubscriptionChangeResult> {
    const row = await this.liveSubscription(id, change);
    if (row.pendingChange === change) return { subscription: row, pending: true };
    if (row.pendingChange !== null) {
      throw new ConflictError(
        `Subscription ${id} has a ${describe(row.pendingChange)} whose outcome at the payment provider is not known yet; the service settles it within minutes — try again then`,
        {
          pending_change: row.pendingChange,
          pending_change_requested_at: row.pendingChangeRequestedAt?.toISOString() ?? null,
        },
      );
    }
    const idempotencyKey = key(row, change);
    let snapshot: SubscriptionSnapshot;
    try {
      snapshot = await this.send(row, change, idempotencyKey);
    } catch (error) {
      if (error instanceof ProviderError && error.outcome === 'unknown') {
        return {
          subscription: await this.markPending(row, change, idempotencyKey, error),
          pending: true,
        };
      }
      throw error;
    }
    return { subscription: await this.record(row, snapshot, false), pending: false };
  }

  private send(
    row: SubscriptionEntity,
    change: PendingSubscriptionChange,
    idempotencyKey: string,
  ): Promise<SubscriptionSnapshot> {
    return cancelAtPeriodEndOf(change)
      ? this.provider.cancelSubscriptionAtPeriodEnd(row.providerSubscriptionId, idempotencyKey)
      : this.provider.resumeSubscription(row.providerSubscriptionId, idempotencyKey);
  }

  private async liveSubscription(
    id: number,
    change: PendingSubscriptionChange,
  ): Promise<SubscriptionEntity> {
    const row = await this.subscriptions.get(id);
    if (isEnded(row.status)) {
      throw new ConflictError(
        `Subscription ${id} has already ended (status ${row.status}); it cannot be ${cancelAtPeriodEndOf(change) ? 'canceled' : 'resumed'}`,
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

  /** Outcome unknown: the row shows the pending change (unless one is marked already). */
  private async markPending(
    before: SubscriptionEntity,
    change: PendingSubscriptionChange,
    idempotencyKey: string,
    error: unknown,
  ): Promise<SubscriptionEntity> {
    this.logger.warn({
      msg: 'subscription change outcome unknown; kept pending for the settling job',
      subscription_id: before.id,
      change,
      error: (error as Error)?.message,
    });
    return this.outbox.transaction(async (manager) => {
      const repository = manager.getRepository(SubscriptionEntity);
      const locked = await repository.findOneOrFail({
        where: { id: before.id },
        lock: { mode: 'pessimistic_write' },
      });
      if (locked.pendingChange !== null || isEnded(locked.status)) return locked;
      await repository.update(locked.id, {
        pendingChange: change,
        pendingChangeRequestedAt: new Date(),
        pendingChangeKey: idempotencyKey,
      });
      return repository.findOneByOrFail({ id: locked.id });
    });
  }

  private clearPending(row: SubscriptionEntity): Promise<SubscriptionEntity> {
    return this.outbox.transaction(async (manager) => {
      const repository = manager.getRepository(SubscriptionEntity);
      await repository.update({ id: row.id }, NO_PENDING_CHANGE);
      return repository.findOneByOrFail({ id: row.id });
    });
  }

  /**
   * Takes the cancellation fields of the provider's answer, unless a webhook changed the row
   * while the call ran: the answer carries no event time, so it cannot be ordered against that
   * webhook's state, which may be newer (and the webhook for our own change follows anyway).
   * `settling`: the answer to a re-sent pending change, whose mark it clears.
   */
  private async record(
    before: SubscriptionEntity,
    snapshot: SubscriptionSnapshot,
    settling: boolean,
  ): Promise<SubscriptionEntity> {
    const id = before.id;
    // The row and its `payment.subscription.updated` commit together.
    return this.outbox.transaction(async (manager, emit) => {
      const repository = manager.getRepository(SubscriptionEntity);
      const locked = await repository.findOneOrFail({
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      const cleared = settling && locked.pendingChange !== null;
      if (cleared) await repository.update(id, NO_PENDING_CHANGE);
      const current = cleared ? Object.assign(locked, NO_PENDING_CHANGE) : locked;
      if (isEnded(current.status)) return current;
      // Status and providerUpdatedAt stay the webhooks' business: the answer carries no event time.
      const values = {
        cancelAtPeriodEnd: snapshot.cancelAtPeriodEnd,
        cancelAt: snapshot.cancelAt,
        canceledAt: snapshot.canceledAt,
        currentPeriodStart: snapshot.currentPeriodStart ?? current.currentPeriodStart,
        currentPeriodEnd: snapshot.currentPeriodEnd ?? current.currentPeriodEnd,
      };
      if (!sameTime(current.providerUpdatedAt, before.providerUpdatedAt)) {
        // A webhook landed during the call: it may be newer than the answer (or just the echo
        // of an earlier change), so the row stays the webhooks'. The caller still learns what
        // the provider answered; the webhook for this change brings the row in step.
        return Object.assign(new SubscriptionEntity(), current, values);
      }
      const differs =
        values.cancelAtPeriodEnd !== current.cancelAtPeriodEnd ||
        !sameTime(values.cancelAt, current.cancelAt) ||
        !sameTime(values.canceledAt, current.canceledAt) ||
        !sameTime(values.currentPeriodStart, current.currentPeriodStart) ||
        !sameTime(values.currentPeriodEnd, current.currentPeriodEnd);
      if (!differs) return cleared ? repository.findOneByOrFail({ id }) : current;
      await repository.update(id, values);
      const row = await repository.findOneByOrFail({ id });
      emit(
        PaymentEvents.SUBSCRIPTION_UPDATED,
        new SubscriptionUpdatedEvent(toSubscriptionResource(row), current.status, {
          providerEventId: null,
          occurredAt: new Date(),
          raw: null,
        }),
      );
      return row;
    });
  }
}

export interface SettledSubscriptionChange {
  subscription: SubscriptionEntity;
  /** null when the provider answered; its error otherwise (the change stays pending unless refused). */
  error: string | null;
}

const describe = (change: PendingSubscriptionChange): string =>
  change === 'resume' ? 'resume' : 'cancellation at period end';

const key = (row: SubscriptionEntity, change: PendingSubscriptionChange): string =>
  idempotencyKey(row, cancelAtPeriodEndOf(change) ? 'cancel-at-period-end' : 'resume');

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
