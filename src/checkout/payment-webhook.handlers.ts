import { Injectable, Logger } from '@nestjs/common';
import { CustomersService } from '../customers/customers.service';
import { PaymentEvents } from '../events/payment-events';
import type { ChangeOf } from '../payment-provider/payment-provider.types';
import type { TransactionEntity } from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import type { WebhookContext } from '../webhooks/webhook-handler.registry';
import { hasCheckoutMarker, withoutMarker } from './checkout-metadata';
import { decideChargeChange } from './checkout-ordering.policy';
import { lockCharge, writeCharge } from '../ledger/charge-rows';
import { lockSession } from './checkout-rows';
import { TransactionFailedEvent, TransactionSucceededEvent } from './checkout.events';
import { CheckoutSessionEntity } from './entities/checkout-session.entity';

type PaymentChange = ChangeOf<'payment.succeeded'> | ChangeOf<'payment.failed'>;

/**
 * payment.succeeded / payment.failed (payment_intent.succeeded / payment_failed): the charge row
 * of a one-time checkout. Only payments of our own checkouts are recorded — recognised by the
 * marker checkout puts in the payment's metadata, a session already linked to the payment, or a
 * charge row a checkout event already made. Subscription invoices' payments are left to the
 * subscriptions feature (invoice.paid / invoice.payment_failed).
 */
@Injectable()
export class PaymentWebhookHandlers {
  private readonly logger = new Logger(PaymentWebhookHandlers.name);

  constructor(private readonly customers: CustomersService) {}

  readonly succeeded = (change: ChangeOf<'payment.succeeded'>, ctx: WebhookContext) =>
    this.apply(change, 'succeeded', ctx);

  readonly failed = (change: ChangeOf<'payment.failed'>, ctx: WebhookContext) =>
    this.apply(change, 'failed', ctx);

  private async apply(
    change: PaymentChange,
    outcome: 'succeeded' | 'failed',
    ctx: WebhookContext,
  ): Promise<void> {
    const { manager, provider } = ctx;
    const payment = change.payment;
    const session = await lockSession(manager, provider, { paymentIntentId: payment.id });
    const existing = await lockCharge(manager, provider, {
      paymentIntentId: payment.id,
      chargeId: payment.chargeId,
    });
    const ours =
      hasCheckoutMarker(payment.metadata) ||
      session !== null ||
      Boolean(existing?.checkoutSessionId);
    if (!ours) {
      this.logger.debug({
        msg: 'payment is not one of our checkouts; left alone',
        payment_intent: payment.id,
        event_id: ctx.eventId,
      });
      return;
    }
    const customer = payment.customerId
      ? await this.customers.ensureFromProvider(manager, payment.customerId)
      : null;
    const { row, decision } = await writeCharge(
      manager,
      provider,
      { paymentIntentId: payment.id, chargeId: payment.chargeId },
      {
        createIfMissing: true,
        locked: existing,
        decide: (current) =>
          decideChargeChange(current, { source: 'payment', outcome, occurredAt: ctx.occurredAt }),
        values: (current, decided): Partial<TransactionEntity> => ({
          status: decided.status,
          providerUpdatedAt: decided.providerUpdatedAt,
          amount: payment.amount,
          currency: payment.currency,
          providerPaymentIntentId: payment.id,
          providerChargeId: payment.chargeId ?? current?.providerChargeId ?? null,
          description: payment.description ?? current?.description ?? null,
          reason: reasonFor(decided.status, payment.failureMessage, current),
          customerId: current?.customerId ?? session?.customerId ?? customer?.id ?? null,
          customerRef:
            current?.customerRef ?? session?.externalRef ?? customer?.externalRef ?? null,
          checkoutSessionId: current?.checkoutSessionId ?? session?.providerSessionId ?? null,
          metadata: withoutMarker(payment.metadata),
        }),
      },
    );
    if (!row || !decision?.write) return;
    if (session && session.transactionId === null) {
      await manager.update(CheckoutSessionEntity, session.id, { transactionId: row.id });
    }
    const data = {
      providerEventId: ctx.eventId,
      occurredAt: ctx.occurredAt,
      raw: change.raw,
      transaction: toTransactionResource(row),
    };
    if (decision.emit === 'succeeded')
      ctx.emit(PaymentEvents.TRANSACTION_SUCCEEDED, new TransactionSucceededEvent(data));
    if (decision.emit === 'failed')
      ctx.emit(PaymentEvents.TRANSACTION_FAILED, new TransactionFailedEvent(data));
  }
}

/** A failed attempt keeps the provider's message; the success that follows clears it. */
function reasonFor(
  status: TransactionEntity['status'],
  failureMessage: string | null,
  current: TransactionEntity | null,
): string | null {
  if (status === 'failed') return failureMessage ?? current?.reason ?? null;
  return current?.status === 'failed' ? null : (current?.reason ?? null);
}
