import { Injectable, Module } from '@nestjs/common';
import type { CheckoutCompletedEvent } from '../../src/checkout/checkout.events';
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
  readonly granted: { customerRef: string; sessionId: string }[] = [];
  readonly revoked: { customerRef: string | null; transactionId: number }[] = [];

  /** Idempotent, as the README asks (delivery is at least once). */
  async grant(customerRef: string, sessionId: string): Promise<void> {
    if (!this.granted.some((g) => g.sessionId === sessionId))
      this.granted.push({ customerRef, sessionId });
  }

  async revokeFor(customerRef: string | null, transactionId: number): Promise<void> {
    this.revoked.push({ customerRef, transactionId });
  }
}

// ---- The README's first example: grant access when a checkout is paid -----------------------------

@Injectable()
export class GrantAccessOnCheckout {
  constructor(private readonly access: AccessService) {}

  @OnPaymentEvent(PaymentEvents.CHECKOUT_COMPLETED)
  async onCompleted(event: CheckoutCompletedEvent): Promise<void> {
    if (!event.customerRef) return;
    await this.access.grant(event.customerRef, event.session.session_id); // idempotent on your side
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

@Module({
  imports: [RefundsModule],
  providers: [AccessService, GrantAccessOnCheckout, RefundOnFraudWarning],
})
export class FraudWarningModule {}

// ---- The test ----------------------------------------------------------------------------------

describe('README examples as durable listeners: grant access on checkout, refund and revoke on an early fraud warning', () => {
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
    await waitForPaymentEvents(t.app);
    expect(t.app.get(AccessService).granted).toEqual([
      { customerRef: 'user_42', sessionId: checkout.body.session_id },
    ]);

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
