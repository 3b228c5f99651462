import { Injectable } from '@nestjs/common';
import { CustomersService } from '../customers/customers.service';
import { PaymentEvents } from '../events/payment-events';
import type { ChangeOf } from '../payment-provider/payment-provider.types';
import {
  linkInvoiceChargesToSubscription,
  lockProviderSubscription,
  lockSubscriptionWithSession,
  setSessionSubscription,
} from '../ledger/subscription-links';
import type { WebhookContext } from '../webhooks/webhook-handler.registry';
import { entityFromRow, insertReturning, updateReturning } from '../database/entity-from-row';
import { SubscriptionEntity } from './entities/subscription.entity';
import { NO_PENDING_CHANGE, settlesPendingChange } from './pending-change';
import {
  decideSubscriptionChange,
  type SubscriptionAction,
  type SubscriptionEventKind,
} from './subscription-ordering.policy';
import { toSubscriptionResource } from './subscription.resource';
import {
  SubscriptionCanceledEvent,
  SubscriptionCreatedEvent,
  SubscriptionUpdatedEvent,
} from './subscriptions.events';

type SubscriptionChange = ChangeOf<'subscription.changed'> | ChangeOf<'subscription.deleted'>;

/**
 * Keeps our subscription rows in step with the provider's subscription events
 * (customer.subscription.created / updated / deleted), in any order.
 */
@Injectable()
export class SubscriptionSyncService {
  constructor(private readonly customers: CustomersService) {}

  async handle(change: SubscriptionChange, ctx: WebhookContext): Promise<void> {
    const { manager } = ctx;
    const snapshot = change.subscription;
    const action: SubscriptionAction =
      change.kind === 'subscription.deleted' ? 'deleted' : change.action;
    await lockProviderSubscription(manager, ctx.provider, snapshot.id);

    // The row (locked) and its checkout session, in one statement after the lock.
    const found = await lockSubscriptionWithSession(manager, ctx.provider, snapshot.id);
    const row = found.row ? entityFromRow(manager, SubscriptionEntity, found.row) : null;
    const session = found.session;
    const decision = decideSubscriptionChange(row, {
      action,
      occurredAt: ctx.occurredAt,
      snapshot,
    });
    if (!decision.apply) return;

    const customer = snapshot.customerId
      ? await this.customers.ensureFromProvider(manager, snapshot.customerId)
      : null;
    const values = {
      ...decision.fields,
      providerUpdatedAt: decision.providerUpdatedAt,
      customerId: customer?.id ?? row?.customerId ?? null,
      customerRef: customer?.externalRef ?? session?.externalRef ?? row?.customerRef ?? null,
      // The provider shows the cancel / resume whose outcome we did not know: it is settled.
      ...(settlesPendingChange(row?.pendingChange ?? null, snapshot) ? NO_PENDING_CHANGE : {}),
    };

    // Each write returns the row as stored: no read back.
    let saved: SubscriptionEntity | undefined;
    if (row === null) {
      saved = await insertReturning(manager, SubscriptionEntity, {
        ...values,
        provider: ctx.provider,
        providerSubscriptionId: snapshot.id,
      });
    } else {
      saved = await updateReturning(manager, SubscriptionEntity, row.id, values);
    }
    if (saved === undefined) throw new Error(`subscription ${snapshot.id} was not written`);
    const id = saved.id;
    if (row === null) {
      await linkInvoiceChargesToSubscription(manager, ctx.provider, snapshot.id, id, values);
    }
    if (session && session.subscriptionId !== id) {
      await setSessionSubscription(manager, session.id, id);
    }

    this.announce(decision.emit, saved, row?.status ?? saved.status, change, ctx);
  }

  private announce(
    kinds: SubscriptionEventKind[],
    row: SubscriptionEntity,
    previousStatus: SubscriptionEntity['status'],
    change: SubscriptionChange,
    ctx: WebhookContext,
  ): void {
    const subscription = toSubscriptionResource(row);
    const base = { providerEventId: ctx.eventId, occurredAt: ctx.occurredAt, raw: change.raw };
    for (const kind of kinds) {
      switch (kind) {
        case 'created':
          ctx.emit(
            PaymentEvents.SUBSCRIPTION_CREATED,
            new SubscriptionCreatedEvent(subscription, base),
          );
          break;
        case 'updated':
          ctx.emit(
            PaymentEvents.SUBSCRIPTION_UPDATED,
            new SubscriptionUpdatedEvent(subscription, previousStatus, base),
          );
          break;
        case 'canceled':
          ctx.emit(
            PaymentEvents.SUBSCRIPTION_CANCELED,
            new SubscriptionCanceledEvent(subscription, base),
          );
          break;
      }
    }
  }
}
