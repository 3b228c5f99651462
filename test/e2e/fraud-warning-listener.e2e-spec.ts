import { Injectable, Module } from '@nestjs/common';
import { DisputeUpdatedEvent, FraudWarningCreatedEvent } from '../../src/disputes/disputes.events';
import { OnPaymentEvent } from '../../src/events/on-payment-event.decorator';
import { PaymentEvents } from '../../src/events/payment-events';
import { RefundsModule } from '../../src/refunds/refunds.module';
import { RefundsService } from '../../src/refunds/refunds.service';
import { waitForPaymentEvents } from '../../src/events/wait-for-payment-events';
import { createTestApp, type TestApp } from '../support/test-app';

// ---- The README's example: refund and revoke on an early fraud warning --------------------------

/** Stands in for the app's own access control. */
@Injectable()
export class AccessService {
  readonly revoked: { customerRef: string | null; transactionId: number }[] = [];

  async revokeFor(customerRef: string | null, transactionId: number): Promise<void> {
    this.revoked.push({ customerRef, transactionId });
  }
}

/**
 * An early fraud warning means a chargeback is likely on its way: refunding now costs only the
 * amount, a lost chargeback costs the amount plus a fee. Delivery is at least once, so the refund
 * carries an idempotency key made from the warning: a replayed webhook refunds nothing twice.
 */
@Injectable()
export class RefundOnFraudWarning {
  constructor(
    private readonly refunds: RefundsService,
    private readonly access: AccessService,
  ) {}

  @OnPaymentEvent(PaymentEvents.FRAUD_WARNING_CREATED)
  async onWarning(event: FraudWarningCreatedEvent): Promise<void> {
    await this.act(event);
  }

  /** A warning that arrived before its charge is announced again once linked to it. */
  @OnPaymentEvent(PaymentEvents.DISPUTE_UPDATED)
  async onLinked(event: DisputeUpdatedEvent): Promise<void> {
    if (event.dispute.kind === 'fraud_warning') await this.act(event);
  }

  private async act({
    dispute,
    transaction,
  }: FraudWarningCreatedEvent | DisputeUpdatedEvent): Promise<void> {
    if (!transaction || !dispute.actionable) return; // charge not known yet, or nothing left to do
    await this.access.revokeFor(transaction.customer_ref, transaction.id);
    if (transaction.status !== 'succeeded' && transaction.status !== 'partially_refunded') return;
    await this.refunds.refund(transaction.id, {
      reason: 'Early fraud warning received',
      idempotencyKey: `fraud-warning-${dispute.provider_dispute_id}`,
    });
  }
}

@Module({ imports: [RefundsModule], providers: [AccessService, RefundOnFraudWarning] })
export class FraudWarningModule {}

// ---- The test ----------------------------------------------------------------------------------

describe('README example: refund and revoke access on an early fraud warning', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The app's module runs in the service's container, as AppModule.forRoot({ imports }) allows.
    t = await createTestApp({}, { imports: [FraudWarningModule] });
  });
  afterAll(() => t.close());

  it('refunds the whole charge and revokes access when the sandbox issues a fraud warning', async () => {
    const checkout = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment', customer_ref: 'user_42' })
      .expect(201);
    await t.http.post(`/sandbox/checkout/${checkout.body.session_id as string}/pay`).expect(303);
    const charge = (
      await t.http
        .get(`/api/v1/payment/transactions/by-session/${checkout.body.session_id as string}`)
        .expect(200)
    ).body;
    expect(charge.status).toBe('succeeded');

    await t.http
      .post('/sandbox/simulate/fraud-warning')
      .send({ payment_intent_id: charge.provider_payment_intent_id })
      .expect(201);
    // The listener runs on the job engine after the webhook's commit.
    await waitForPaymentEvents(t.app);

    const after = (
      await t.http.get(`/api/v1/payment/transactions/${charge.id as number}`).expect(200)
    ).body;
    expect(after).toEqual(
      expect.objectContaining({ status: 'refunded', amount_refunded: charge.amount }),
    );
    const refunds = (await t.http.get('/api/v1/payment/transactions?type=refund').expect(200)).body
      .transactions;
    expect(refunds).toEqual([
      expect.objectContaining({
        parent_transaction_id: charge.id,
        amount: charge.amount,
        reason: 'Early fraud warning received',
      }),
    ]);
    expect(t.app.get(AccessService).revoked).toEqual([
      { customerRef: 'user_42', transactionId: charge.id },
    ]);
  });
});
