import { Injectable } from '@nestjs/common';
import { IsNull, type EntityManager } from 'typeorm';
import { CheckoutSessionEntity } from '../checkout/entities/checkout-session.entity';
import { CustomersService } from '../customers/customers.service';
import { PaymentEvents } from '../events/payment-events';
import type { ChangeOf } from '../payment-provider/payment-provider.types';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import type { WebhookContext } from '../webhooks/webhook-handler.registry';
import { SubscriptionEntity } from './entities/subscription.entity';
import { NO_PENDING_CHANGE, settlesPendingChange } from './pending-change';
import { lockProviderSubscription } from './subscription-lock';
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

    const repository = manager.getRepository(SubscriptionEntity);
    const row = await repository
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.provider = :provider AND s.provider_subscription_id = :id', {
        provider: ctx.provider,
        id: snapshot.id,
      })
      .getOne();
    const decision = decideSubscriptionChange(row, {
      action,
      occurredAt: ctx.occurredAt,
      snapshot,
    });
    if (!decision.apply) return;

    const customer = snapshot.customerId
      ? await this.customers.ensureFromProvider(manager, snapshot.customerId)
      : null;
    const session = await manager.getRepository(CheckoutSessionEntity).findOne({
      where: { provider: ctx.provider, providerSubscriptionId: snapshot.id },
      order: { id: 'ASC' },
    });
    const values = {
      ...decision.fields,
      providerUpdatedAt: decision.providerUpdatedAt,
      customerId: customer?.id ?? row?.customerId ?? null,
      customerRef: customer?.externalRef ?? session?.externalRef ?? row?.customerRef ?? null,
      // The provider shows the cancel / resume whose outcome we did not know: it is settled.
      ...(settlesPendingChange(row?.pendingChange ?? null, snapshot) ? NO_PENDING_CHANGE : {}),
    };

    let id: number;
    if (row === null) {
      const inserted = await repository.insert({
        ...values,
        provider: ctx.provider,
        providerSubscriptionId: snapshot.id,
      });
      id = (inserted.identifiers[0] as { id: number }).id;
      await this.linkInvoiceCharges(manager, ctx.provider, snapshot.id, id, values);
    } else {
      id = row.id;
      await repository.update(id, values);
    }
    if (session && session.subscriptionId !== id) {
      await manager.update(CheckoutSessionEntity, session.id, { subscriptionId: id });
    }

    const saved = await repository.findOneByOrFail({ id });
    this.announce(decision.emit, saved, row?.status ?? saved.status, change, ctx);
  }

  /**
   * For the checkout feature, when a subscription-mode session completes (inside its webhook
   * transaction, after storing the session's provider subscription id): links the session to
   * our subscription row if it exists already, and gives the subscription the session's
   * customer_ref when it has none. Whichever of the two events comes second makes the link;
   * the shared lock keeps them from missing each other.
   * @returns our subscription row id, or null while the subscription's event has not arrived
   */
  async linkCheckoutSession(
    manager: EntityManager,
    provider: string,
    session: Pick<CheckoutSessionEntity, 'id' | 'providerSubscriptionId' | 'externalRef'>,
  ): Promise<number | null> {
    if (!session.providerSubscriptionId) return null;
    await lockProviderSubscription(manager, provider, session.providerSubscriptionId);
    const row = await manager.getRepository(SubscriptionEntity).findOneBy({
      provider,
      providerSubscriptionId: session.providerSubscriptionId,
    });
    if (!row) return null;
    await manager.update(CheckoutSessionEntity, session.id, { subscriptionId: row.id });
    if (row.customerRef === null && session.externalRef) {
      await manager.update(SubscriptionEntity, row.id, { customerRef: session.externalRef });
      await manager.update(
        TransactionEntity,
        { provider, type: 'charge', subscriptionId: row.id, customerRef: IsNull() },
        { customerRef: session.externalRef },
      );
    }
    return row.id;
  }

  /** Invoices that arrived before their subscription: their charges get the link now. */
  private async linkInvoiceCharges(
    manager: EntityManager,
    provider: string,
    providerSubscriptionId: string,
    subscriptionId: number,
    values: Pick<SubscriptionEntity, 'customerId' | 'customerRef' | 'planName'>,
  ): Promise<void> {
    const charges = await manager.getRepository(TransactionEntity).find({
      where: { provider, type: 'charge', providerSubscriptionId, subscriptionId: IsNull() },
    });
    for (const charge of charges) {
      await manager.update(TransactionEntity, charge.id, {
        subscriptionId,
        customerId: charge.customerId ?? values.customerId,
        customerRef: charge.customerRef ?? values.customerRef,
        description: charge.description ?? values.planName,
      });
    }
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
