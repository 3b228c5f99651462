import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CustomerEntity } from '../customers/entities/customer.entity';
import { CustomersService } from '../customers/customers.service';
import { PaymentEvents } from '../events/payment-events';
import type { ChangeOf, InvoiceSnapshot } from '../payment-provider/payment-provider.types';
import { TransactionEntity } from '../transactions/entities/transaction.entity';
import { toTransactionResource } from '../transactions/transaction.resource';
import type { WebhookContext } from '../webhooks/webhook-handler.registry';
import { SubscriptionEntity } from './entities/subscription.entity';
import { decideInvoiceCharge, type InvoiceOutcome } from './invoice-charge.policy';
import { lockProviderSubscription } from './subscription-lock';
import { toSubscriptionResource } from './subscription.resource';
import {
  InvoicePaidEvent,
  InvoicePaymentFailedEvent,
  type InvoiceSummary,
} from './subscriptions.events';

type InvoiceChange = ChangeOf<'invoice.paid'> | ChangeOf<'invoice.payment_failed'>;

/** The charge rows that may already stand for this invoice's payment, locked; the best match first. */
interface ChargeMatches {
  row: TransactionEntity | null;
  others: TransactionEntity[];
}

/**
 * Records each paid or failed subscription invoice as one `charge` row, keyed by
 * invoice id (or by its payment, when that was recorded first), linked to the
 * subscription row when there is one.
 */
@Injectable()
export class InvoiceChargesService {
  constructor(private readonly customers: CustomersService) {}

  async handle(change: InvoiceChange, ctx: WebhookContext): Promise<void> {
    const { manager } = ctx;
    const invoice = change.invoice;
    const outcome: InvoiceOutcome = change.kind === 'invoice.paid' ? 'paid' : 'payment_failed';
    if (invoice.subscriptionId) {
      await lockProviderSubscription(manager, ctx.provider, invoice.subscriptionId);
    }
    const subscription = invoice.subscriptionId
      ? await manager.getRepository(SubscriptionEntity).findOneBy({
          provider: ctx.provider,
          providerSubscriptionId: invoice.subscriptionId,
        })
      : null;
    const customer = invoice.customerId
      ? await this.customers.ensureFromProvider(manager, invoice.customerId)
      : null;

    let transaction: TransactionEntity | null = null;
    // A $0 invoice (a trial starting) moves no money: announced, but no charge row.
    const movesMoney =
      invoice.amount > 0 || invoice.paymentIntentId !== null || invoice.chargeId !== null;
    if (movesMoney) {
      const written = await this.writeCharge(
        manager,
        ctx,
        invoice,
        outcome,
        subscription,
        customer,
      );
      if (written === null) return;
      transaction = written;
    }

    const summary: InvoiceSummary = {
      provider_invoice_id: invoice.id,
      provider_subscription_id: invoice.subscriptionId,
      billing_reason: invoice.billingReason,
      amount: invoice.amount,
      currency: invoice.currency,
      failure_message: outcome === 'paid' ? null : invoice.failureMessage,
    };
    const resource = transaction ? toTransactionResource(transaction) : null;
    const subscriptionResource = subscription ? toSubscriptionResource(subscription) : null;
    const base = { providerEventId: ctx.eventId, occurredAt: ctx.occurredAt, raw: change.raw };
    if (outcome === 'paid') {
      ctx.emit(
        PaymentEvents.INVOICE_PAID,
        new InvoicePaidEvent(summary, resource, subscriptionResource, base),
      );
    } else {
      ctx.emit(
        PaymentEvents.INVOICE_PAYMENT_FAILED,
        new InvoicePaymentFailedEvent(summary, resource, subscriptionResource, base),
      );
    }
  }

  /** Inserts or updates the invoice's charge row; null when the event is stale (nothing written). */
  private async writeCharge(
    manager: EntityManager,
    ctx: WebhookContext,
    invoice: InvoiceSnapshot,
    outcome: InvoiceOutcome,
    subscription: SubscriptionEntity | null,
    customer: CustomerEntity | null,
  ): Promise<TransactionEntity | null> {
    const repository = manager.getRepository(TransactionEntity);
    for (let attempt = 0; attempt < 2; attempt++) {
      const { row, others } = await this.lockMatches(manager, ctx.provider, invoice);
      const decision = decideInvoiceCharge(row, outcome, ctx.occurredAt);
      if (!decision.write) return null;
      const failure =
        outcome === 'paid' ? null : (invoice.failureMessage ?? 'Invoice payment failed');

      if (row === null) {
        // A concurrent writer (e.g. the payment intent's own event) may insert first: then update its row.
        const inserted = await repository
          .createQueryBuilder()
          .insert()
          .values({
            provider: ctx.provider,
            type: 'charge',
            status: decision.status,
            amount: invoice.amount,
            currency: invoice.currency,
            description: subscription?.planName ?? null,
            reason: failure,
            customerId: customer?.id ?? subscription?.customerId ?? null,
            customerRef: customer?.externalRef ?? subscription?.customerRef ?? null,
            providerPaymentIntentId: invoice.paymentIntentId,
            providerChargeId: invoice.chargeId,
            providerInvoiceId: invoice.id,
            providerSubscriptionId: invoice.subscriptionId,
            subscriptionId: subscription?.id ?? null,
            metadata: {},
            providerUpdatedAt: decision.providerUpdatedAt,
          })
          .orIgnore()
          .returning('id')
          .execute();
        const id = (inserted.raw as { id: number }[])[0]?.id;
        if (id !== undefined) return repository.findOneByOrFail({ id });
        continue;
      }

      // Another charge row may already hold a payment id (recorded from its own event): never steal it.
      const heldElsewhere = (
        key: 'providerPaymentIntentId' | 'providerChargeId',
        value: string | null,
      ) => value !== null && others.some((other) => other[key] === value);
      await repository.update(row.id, {
        status: decision.status,
        // A refunded charge keeps the amount its refunds are bounded by.
        amount: row.amountRefunded > 0 ? row.amount : invoice.amount,
        currency: invoice.currency,
        reason: failure,
        description: row.description ?? subscription?.planName ?? null,
        customerId: row.customerId ?? customer?.id ?? subscription?.customerId ?? null,
        customerRef: row.customerRef ?? customer?.externalRef ?? subscription?.customerRef ?? null,
        providerPaymentIntentId: heldElsewhere('providerPaymentIntentId', invoice.paymentIntentId)
          ? row.providerPaymentIntentId
          : (invoice.paymentIntentId ?? row.providerPaymentIntentId),
        providerChargeId: heldElsewhere('providerChargeId', invoice.chargeId)
          ? row.providerChargeId
          : (invoice.chargeId ?? row.providerChargeId),
        providerInvoiceId: invoice.id,
        providerSubscriptionId: invoice.subscriptionId ?? row.providerSubscriptionId,
        subscriptionId: subscription?.id ?? row.subscriptionId,
        providerUpdatedAt: decision.providerUpdatedAt,
      });
      return repository.findOneByOrFail({ id: row.id });
    }
    throw new Error(
      `could not record the charge of invoice ${invoice.id}: concurrent writes kept conflicting`,
    );
  }

  private async lockMatches(
    manager: EntityManager,
    provider: string,
    invoice: InvoiceSnapshot,
  ): Promise<ChargeMatches> {
    const rows = await manager
      .getRepository(TransactionEntity)
      .createQueryBuilder('t')
      .setLock('pessimistic_write')
      .where("t.provider = :provider AND t.type = 'charge'", { provider })
      .andWhere(
        '(t.provider_invoice_id = :invoiceId OR t.provider_payment_intent_id = :paymentIntentId OR t.provider_charge_id = :chargeId)',
        {
          invoiceId: invoice.id,
          paymentIntentId: invoice.paymentIntentId,
          chargeId: invoice.chargeId,
        },
      )
      .orderBy('t.id', 'ASC')
      .getMany();
    const rank = (row: TransactionEntity): number =>
      row.providerInvoiceId === invoice.id
        ? 0
        : invoice.paymentIntentId !== null &&
            row.providerPaymentIntentId === invoice.paymentIntentId
          ? 1
          : 2;
    const sorted = [...rows].sort((a, b) => rank(a) - rank(b));
    return { row: sorted[0] ?? null, others: sorted.slice(1) };
  }
}
