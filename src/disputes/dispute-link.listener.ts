import { Injectable } from '@nestjs/common';
import { OnPaymentEvent } from '../events/on-payment-event.decorator';
import { PaymentEvents } from '../events/payment-events';
import { DisputeLinker, type LinkCause } from './dispute-linker.service';
import type { DisputeEventBase } from './disputes.events';

/** The part of a transaction / invoice event we rely on; the payload classes belong to other features. */
interface TransactionEventLike {
  providerEventId?: string | null;
  occurredAt?: Date;
  transaction?: { id?: unknown } | null;
}

function causeOf(event: TransactionEventLike): LinkCause {
  return {
    providerEventId: event.providerEventId ?? null,
    occurredAt: event.occurredAt ?? new Date(),
  };
}

/**
 * Links disputes that arrived before their charge. Two triggers close the race
 * between a dispute's webhook and its charge's, whichever commits last:
 * the charge's own event (the dispute committed first), and a re-check right
 * after the dispute's commit (the charge committed first, unseen by the
 * dispute's transaction).
 */
@Injectable()
export class DisputeLinkListener {
  constructor(private readonly linker: DisputeLinker) {}

  @OnPaymentEvent(PaymentEvents.TRANSACTION_SUCCEEDED)
  async onTransactionSucceeded(event: TransactionEventLike): Promise<void> {
    await this.linkFor(event);
  }

  @OnPaymentEvent(PaymentEvents.INVOICE_PAID)
  async onInvoicePaid(event: TransactionEventLike): Promise<void> {
    await this.linkFor(event);
  }

  /** A checkout's charge row may be written by checkout.session.completed before payment_intent.succeeded. */
  @OnPaymentEvent(PaymentEvents.CHECKOUT_COMPLETED)
  async onCheckoutCompleted(event: TransactionEventLike): Promise<void> {
    if (typeof event.transaction?.id === 'number') await this.linkFor(event);
  }

  @OnPaymentEvent(PaymentEvents.DISPUTE_CREATED)
  async onDisputeCreated(event: DisputeEventBase): Promise<void> {
    if (event.dispute.transaction_id === null)
      await this.linker.linkDispute(event.dispute.id, event);
  }

  @OnPaymentEvent(PaymentEvents.FRAUD_WARNING_CREATED)
  async onFraudWarningCreated(event: DisputeEventBase): Promise<void> {
    if (event.dispute.transaction_id === null)
      await this.linker.linkDispute(event.dispute.id, event);
  }

  private async linkFor(event: TransactionEventLike): Promise<void> {
    const id = event.transaction?.id;
    // A payload without the transaction (e.g. an invoice with no charge): link whatever is linkable.
    if (typeof id === 'number') await this.linker.linkTransaction(id, causeOf(event));
    else await this.linker.linkAll(causeOf(event));
  }
}
