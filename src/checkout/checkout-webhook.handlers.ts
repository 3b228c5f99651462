import { Injectable, Logger } from '@nestjs/common';
import { CustomersService } from '../customers/customers.service';
import { PaymentEvents } from '../events/payment-events';
import type { ChangeOf, CheckoutSessionSnapshot } from '../payment-provider/payment-provider.types';
import type { TransactionEntity } from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import type { WebhookContext } from '../webhooks/webhook-handler.registry';
import {
  decideChargeChange,
  decideSessionChange,
  isSessionPaid,
  type SessionChangeKind,
} from './checkout-ordering.policy';
import { writeCharge } from '../ledger/charge-rows';
import { adoptIntent, lockSession } from './checkout-rows';
import { toCheckoutSessionResource } from './checkout-session.resource';
import {
  linkSessionToSubscription,
  lockProviderSubscription,
  subscriptionRowIdOf,
} from '../ledger/subscription-links';
import { CheckoutCompletedEvent, CheckoutExpiredEvent } from './checkout.events';
import { CheckoutSessionEntity } from './entities/checkout-session.entity';
import { updateReturning } from '../database/entity-from-row';

type SessionChange =
  | ChangeOf<'checkout.completed'>
  | ChangeOf<'checkout.expired'>
  | ChangeOf<'checkout.async_payment_succeeded'>
  | ChangeOf<'checkout.async_payment_failed'>;

/**
 * checkout.session.completed / expired / async_payment_succeeded / async_payment_failed: the
 * session row, and in one-time mode the charge row it paid with (subscription mode only links
 * the provider subscription; its money arrives with the invoice). Sessions not created through
 * POST /checkout (e.g. `stripe trigger`, payment links) are not ours and are left alone.
 */
@Injectable()
export class CheckoutWebhookHandlers {
  private readonly logger = new Logger(CheckoutWebhookHandlers.name);

  constructor(private readonly customers: CustomersService) {}

  readonly completed = (change: ChangeOf<'checkout.completed'>, ctx: WebhookContext) =>
    this.apply(change, 'completed', ctx);
  readonly expired = (change: ChangeOf<'checkout.expired'>, ctx: WebhookContext) =>
    this.apply(change, 'expired', ctx);
  readonly asyncPaymentSucceeded = (
    change: ChangeOf<'checkout.async_payment_succeeded'>,
    ctx: WebhookContext,
  ) => this.apply(change, 'async_payment_succeeded', ctx);
  readonly asyncPaymentFailed = (
    change: ChangeOf<'checkout.async_payment_failed'>,
    ctx: WebhookContext,
  ) => this.apply(change, 'async_payment_failed', ctx);

  private async apply(
    change: SessionChange,
    kind: SessionChangeKind,
    ctx: WebhookContext,
  ): Promise<void> {
    const { manager, provider } = ctx;
    const snapshot = change.session;
    // Same lock order as the subscription handlers (subscription, then session): no deadlock.
    if (snapshot.subscriptionId) {
      await lockProviderSubscription(manager, provider, snapshot.subscriptionId);
    }
    const session =
      (await lockSession(manager, provider, { sessionId: snapshot.id })) ??
      (await adoptIntent(manager, provider, snapshot));
    if (!session) {
      this.logger.debug({
        msg: 'checkout session not created through this service; left alone',
        session_id: snapshot.id,
        event_id: ctx.eventId,
      });
      return;
    }
    const decision = decideSessionChange(session, {
      kind,
      paymentStatus: snapshot.paymentStatus,
      occurredAt: ctx.occurredAt,
    });
    if (!decision.apply) {
      this.logger.debug({
        msg: 'checkout session event not applied',
        session_id: snapshot.id,
        reason: decision.reason,
        event_id: ctx.eventId,
      });
      return;
    }
    const customer = snapshot.customerId
      ? await this.customers.ensureFromProvider(
          manager,
          snapshot.customerId,
          snapshot.customerEmail,
        )
      : null;
    const customerRef = session.externalRef ?? snapshot.clientReferenceId;
    const charge = await this.writeCharge(ctx, session, snapshot, kind, {
      paid: isSessionPaid(decision.paymentStatus),
      customerId: session.customerId ?? customer?.id ?? null,
      customerRef,
    });
    const providerSubscriptionId = snapshot.subscriptionId ?? session.providerSubscriptionId;
    const written = await updateReturning(manager, CheckoutSessionEntity, session.id, {
      status: decision.status,
      paymentStatus: decision.paymentStatus,
      providerUpdatedAt: decision.providerUpdatedAt,
      providerPaymentIntentId: snapshot.paymentIntentId ?? session.providerPaymentIntentId,
      providerSubscriptionId,
      subscriptionId:
        session.subscriptionId ??
        (await subscriptionRowIdOf(manager, provider, providerSubscriptionId)),
      transactionId: charge?.id ?? session.transactionId,
      customerId: session.customerId ?? customer?.id ?? null,
      externalRef: customerRef,
      amountTotal: snapshot.amountTotal ?? session.amountTotal,
      currency: snapshot.currency ?? session.currency,
    });
    // Under the subscription's own lock, so a concurrent customer.subscription.created and this
    // completion cannot both miss each other's row.
    const linked = await linkSessionToSubscription(manager, provider, {
      id: session.id,
      providerSubscriptionId,
      externalRef: customerRef,
    });
    // The row as the UPDATE returned it, unless the link changed it since.
    const updated =
      linked === null && written !== undefined
        ? written
        : await manager.findOneByOrFail(CheckoutSessionEntity, { id: session.id });
    const base = {
      providerEventId: ctx.eventId,
      occurredAt: ctx.occurredAt,
      raw: change.raw,
      session: toCheckoutSessionResource(updated),
    };
    if (decision.emit === 'completed') {
      ctx.emit(
        PaymentEvents.CHECKOUT_COMPLETED,
        new CheckoutCompletedEvent({
          ...base,
          transaction: charge ? toTransactionResource(charge) : null,
          customerRef,
          providerCustomerId: snapshot.customerId ?? customer?.providerCustomerId ?? null,
        }),
      );
    }
    if (decision.emit === 'expired')
      ctx.emit(PaymentEvents.CHECKOUT_EXPIRED, new CheckoutExpiredEvent(base));
  }

  /**
   * One-time mode: the charge row of the session's payment. A completion creates it (succeeded
   * when paid, pending while a delayed payment runs); an expiry only links a declined attempt's
   * row to the session. Status only moves forward here; the payment's own events announce it.
   */
  private async writeCharge(
    ctx: WebhookContext,
    session: CheckoutSessionEntity,
    snapshot: CheckoutSessionSnapshot,
    kind: SessionChangeKind,
    party: { paid: boolean; customerId: number | null; customerRef: string | null },
  ): Promise<TransactionEntity | null> {
    const paymentIntentId = snapshot.paymentIntentId ?? session.providerPaymentIntentId;
    const currency = snapshot.currency ?? session.currency;
    if (session.mode !== 'payment' || !paymentIntentId || !currency) return null;
    let outcome: 'succeeded' | 'failed' | 'pending' = party.paid ? 'succeeded' : 'pending';
    if (kind === 'async_payment_failed') outcome = 'failed';
    const { row } = await writeCharge(
      ctx.manager,
      ctx.provider,
      { paymentIntentId },
      {
        createIfMissing: kind !== 'expired',
        decide: (current) =>
          decideChargeChange(current, { source: 'checkout', outcome, occurredAt: ctx.occurredAt }),
        values: (current, decided): Partial<TransactionEntity> =>
          current === null
            ? {
                status: decided.status,
                providerUpdatedAt: decided.providerUpdatedAt,
                amount: snapshot.amountTotal ?? session.amountTotal ?? 0,
                currency,
                providerPaymentIntentId: paymentIntentId,
                customerId: party.customerId,
                customerRef: party.customerRef,
                checkoutSessionId: session.providerSessionId,
                metadata: { ...session.metadata },
              }
            : {
                status: decided.status,
                checkoutSessionId: current.checkoutSessionId ?? session.providerSessionId,
                customerId: current.customerId ?? party.customerId,
                customerRef: current.customerRef ?? party.customerRef,
                metadata:
                  Object.keys(current.metadata ?? {}).length > 0
                    ? current.metadata
                    : { ...session.metadata },
              },
      },
    );
    return row;
  }
}
