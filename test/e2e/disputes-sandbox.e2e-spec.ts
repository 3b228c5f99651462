import { EventEmitter2 } from '@nestjs/event-emitter';
import { DisputeDeadlineJob } from '../../src/disputes/dispute-deadline.job';
import type { DisputeEventBase } from '../../src/disputes/disputes.events';
import { PaymentEvents } from '../../src/events/payment-events';
import { createTestApp, type TestApp } from '../support/test-app';

const DISPUTE_EVENTS = [
  PaymentEvents.FRAUD_WARNING_CREATED,
  PaymentEvents.DISPUTE_CREATED,
  PaymentEvents.DISPUTE_UPDATED,
  PaymentEvents.DISPUTE_CLOSED,
] as const;

interface Charge {
  id: number;
  amount: number;
  currency: string;
  provider_payment_intent_id: string;
  provider_charge_id: string;
}

describe('disputes and fraud warnings on the sandbox provider', () => {
  let t: TestApp;
  let recorded: { name: string; event: DisputeEventBase }[];

  beforeAll(async () => {
    t = await createTestApp();
    const emitter = t.app.get(EventEmitter2);
    for (const name of DISPUTE_EVENTS)
      emitter.on(name, (event: DisputeEventBase) => recorded.push({ name, event }));
  });
  beforeEach(() => {
    recorded = [];
  });
  afterAll(() => t.close());

  /** A one-time checkout paid on the sandbox page: the charge row its webhooks recorded. */
  async function paidCharge(): Promise<Charge> {
    const created = await t.http
      .post('/api/v1/payment/checkout')
      .send({ price_id: 'price_sandbox_onetime', mode: 'payment' })
      .expect(201);
    const sessionId = created.body.session_id as string;
    await t.http.post(`/sandbox/checkout/${sessionId}/pay`).expect(303);
    const charge = await t.http
      .get(`/api/v1/payment/transactions/by-session/${sessionId}`)
      .expect(200);
    expect(charge.body.status).toBe('succeeded');
    return charge.body as Charge;
  }

  async function dispute(id: number): Promise<Record<string, unknown>> {
    return (await t.http.get(`/api/v1/payment/disputes/${id}`).expect(200)).body;
  }

  async function rowFor(providerDisputeId: string): Promise<Record<string, unknown>> {
    const rows = await t.dataSource.query(
      'SELECT id FROM payment_dispute WHERE provider_dispute_id = $1',
      [providerDisputeId],
    );
    expect(rows).toHaveLength(1);
    return dispute(rows[0].id);
  }

  it('records a simulated chargeback on a paid transaction, linked to it, through to won', async () => {
    const charge = await paidCharge();
    const simulated = await t.http
      .post('/sandbox/simulate/dispute')
      .send({ payment_intent_id: charge.provider_payment_intent_id })
      .expect(201);
    const providerId = simulated.body.dispute.id as string;

    const created = await rowFor(providerId);
    expect(created).toEqual(
      expect.objectContaining({
        kind: 'chargeback',
        status: 'needs_response',
        provider_status: 'needs_response',
        reason: 'fraudulent',
        amount: charge.amount,
        currency: charge.currency,
        evidence_due_by: new Date(
          simulated.body.dispute.evidence_details.due_by * 1000,
        ).toISOString(),
        transaction_id: charge.id,
        provider_charge_id: charge.provider_charge_id,
        provider_payment_intent_id: charge.provider_payment_intent_id,
      }),
    );
    expect(recorded.map((r) => r.name)).toEqual([PaymentEvents.DISPUTE_CREATED]);
    expect(recorded[0].event.transaction).toEqual(expect.objectContaining({ id: charge.id }));

    await t.http
      .post(`/sandbox/simulate/dispute/${providerId}/update`)
      .send({ status: 'under_review' })
      .expect(200);
    expect(await rowFor(providerId)).toEqual(expect.objectContaining({ status: 'under_review' }));
    await t.http
      .post(`/sandbox/simulate/dispute/${providerId}/close`)
      .send({ status: 'won' })
      .expect(200);
    expect(await rowFor(providerId)).toEqual(expect.objectContaining({ status: 'won' }));
    expect(recorded.map((r) => r.name)).toEqual([
      PaymentEvents.DISPUTE_CREATED,
      PaymentEvents.DISPUTE_UPDATED,
      PaymentEvents.DISPUTE_CLOSED,
    ]);

    const open = await t.http.get('/api/v1/payment/disputes?status=open').expect(200);
    expect(
      open.body.disputes.map((d: { provider_dispute_id: string }) => d.provider_dispute_id),
    ).not.toContain(providerId);
  });

  it('records a simulated inquiry as warning_issued, then warning_closed', async () => {
    const charge = await paidCharge();
    const simulated = await t.http
      .post('/sandbox/simulate/dispute')
      .send({
        charge_id: charge.provider_charge_id,
        status: 'warning_needs_response',
        reason: 'general',
      })
      .expect(201);
    const providerId = simulated.body.dispute.id as string;
    expect(await rowFor(providerId)).toEqual(
      expect.objectContaining({
        status: 'warning_issued',
        provider_status: 'warning_needs_response',
      }),
    );
    await t.http
      .post(`/sandbox/simulate/dispute/${providerId}/close`)
      .send({ status: 'warning_closed' })
      .expect(200);
    expect(await rowFor(providerId)).toEqual(
      expect.objectContaining({ status: 'warning_closed', transaction_id: charge.id }),
    );
  });

  it('records a simulated early fraud warning linked to its transaction, with what a listener needs to refund', async () => {
    const charge = await paidCharge();
    const simulated = await t.http
      .post('/sandbox/simulate/fraud-warning')
      .send({ payment_intent_id: charge.provider_payment_intent_id })
      .expect(201);
    const providerId = simulated.body.early_fraud_warning.id as string;

    expect(await rowFor(providerId)).toEqual(
      expect.objectContaining({
        kind: 'fraud_warning',
        status: 'warning_issued',
        provider_status: 'made_with_stolen_card',
        actionable: true,
        transaction_id: charge.id,
        amount: charge.amount,
        currency: charge.currency,
      }),
    );
    expect(recorded.map((r) => r.name)).toEqual([PaymentEvents.FRAUD_WARNING_CREATED]);
    const { event } = recorded[0];
    expect(event.transaction).toEqual(
      expect.objectContaining({ id: charge.id, status: 'succeeded' }),
    );
    expect(event.dispute.transaction_id).toBe(charge.id);
  });

  it('flags a simulated dispute whose deadline already passed', async () => {
    const charge = await paidCharge();
    const simulated = await t.http
      .post('/sandbox/simulate/dispute')
      .send({ payment_intent_id: charge.provider_payment_intent_id, due_in_hours: -1 })
      .expect(201);
    const summary = await t.app.get(DisputeDeadlineJob).run();
    expect(summary.flagged.map((d) => d.provider_dispute_id)).toContain(simulated.body.dispute.id);
    expect(
      summary.flagged.find((d) => d.provider_dispute_id === simulated.body.dispute.id)
        ?.transaction_id,
    ).toBe(charge.id);
  });
});
