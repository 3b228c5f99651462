import { Injectable } from '@nestjs/common';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import type { DataSource, EntityManager } from 'typeorm';
import { NotFoundError } from '../common/domain-error';
import { subscriptionRowIdOf } from '../ledger/subscription-links';
import type { TransactionEntity } from '../transactions/entities/transaction.entity';
import { TransactionsService } from '../transactions/transactions.service';
import { isChargePaid, isSessionPaid } from './checkout-ordering.policy';
import {
  toCheckoutSessionResource,
  type CheckoutSessionResource,
} from './checkout-session.resource';
import { CheckoutSessionEntity } from './entities/checkout-session.entity';

/** What the public status route reveals about a checkout: nothing but its outcome. */
export interface PublicCheckoutStatus {
  status: 'processing' | 'confirmed' | 'failed' | 'expired';
  amount: number | null;
  currency: string | null;
  /** A confirmation reference to show the buyer (the provider's payment or subscription id). */
  reference: string | null;
}

/** Our subscription row for a provider subscription id, if the subscriptions feature has made it. */
export async function subscriptionRowId(
  manager: EntityManager,
  provider: string,
  providerSubscriptionId: string | null,
): Promise<number | null> {
  return subscriptionRowIdOf(manager, provider, providerSubscriptionId);
}

/** Reads checkout sessions: the API resource and the public status behind the success page. */
@Injectable()
export class CheckoutService {
  constructor(
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
    private readonly transactions: TransactionsService,
  ) {}

  async get(sessionId: string): Promise<CheckoutSessionResource> {
    const row = await this.find(sessionId);
    // The subscription row may be recorded after the session was completed: link it on read.
    const subscriptionId =
      row.subscriptionId ??
      (await subscriptionRowId(this.dataSource.manager, row.provider, row.providerSubscriptionId));
    return toCheckoutSessionResource(row, subscriptionId);
  }

  /**
   * processing until a webhook confirmed the payment: one-time mode when its charge succeeded,
   * subscription mode when the session is complete and paid.
   */
  async publicStatus(sessionId: string): Promise<PublicCheckoutStatus> {
    const row = await this.find(sessionId);
    const charge = row.mode === 'payment' ? await this.chargeOf(row) : null;
    const sessionPaid = row.status === 'complete' && isSessionPaid(row.paymentStatus);
    const confirmed =
      row.mode === 'payment'
        ? (charge !== null && isChargePaid(charge.status)) || sessionPaid
        : sessionPaid;
    if (confirmed) {
      return {
        status: 'confirmed',
        amount: charge?.amount ?? row.amountTotal,
        currency: charge?.currency ?? row.currency,
        reference:
          charge?.providerPaymentIntentId ??
          row.providerPaymentIntentId ??
          row.providerSubscriptionId ??
          row.providerSessionId,
      };
    }
    const pending = { amount: row.amountTotal, currency: row.currency, reference: null };
    if (row.status === 'expired') return { status: 'expired', ...pending };
    // A declined attempt leaves the session open (the buyer may retry); only a completed
    // session whose (delayed) payment then failed is final.
    if (row.status === 'complete' && charge?.status === 'failed') {
      return { status: 'failed', ...pending };
    }
    return { status: 'processing', ...pending };
  }

  private async find(sessionId: string): Promise<CheckoutSessionEntity> {
    // A 202 answered the intent's placeholder id: it keeps finding the row once settled.
    const row = await this.dataSource.getRepository(CheckoutSessionEntity).findOne({
      where: [{ providerSessionId: sessionId }, { intentSessionId: sessionId }],
      order: { id: 'ASC' },
    });
    if (!row) throw new NotFoundError('Checkout session', sessionId);
    return row;
  }

  private async chargeOf(row: CheckoutSessionEntity): Promise<TransactionEntity | null> {
    if (row.transactionId !== null)
      return this.transactions.get(row.transactionId).catch(() => null);
    return (
      (await this.transactions.findBySession(row.providerSessionId)) ??
      (await this.transactions.findByChargeOrPaymentIntent({
        paymentIntentId: row.providerPaymentIntentId,
      }))
    );
  }
}
