import { EventEmitter2 } from '@nestjs/event-emitter';
import { Client } from 'pg';
import type { TransactionSucceededEvent } from '../../src/checkout/checkout.events';
import { PaymentEvents } from '../../src/events/payment-events';
import { CheckoutSessionEntity } from '../../src/checkout/entities/checkout-session.entity';
import { toCheckoutSessionResource } from '../../src/checkout/checkout-session.resource';
import { DisputeEntity } from '../../src/disputes/entities/dispute.entity';
import { toDisputeResource } from '../../src/disputes/dispute.resource';
import { SubscriptionEntity } from '../../src/subscriptions/entities/subscription.entity';
import type { SubscriptionUpdatedEvent } from '../../src/subscriptions/subscriptions.events';
import { toSubscriptionResource } from '../../src/subscriptions/subscription.resource';
import { TransactionEntity } from '../../src/transactions/entities/transaction.entity';
import { toTransactionResource } from '../../src/transactions/transaction.resource';
import { signedStripeDelivery, stripeEvent, stripeObject } from '../fixtures/stripe/events';
import { FakeStripeApi } from '../support/fake-stripe';
import { OurCheckouts } from '../support/our-checkouts';
import { createTestApp, type TestApp } from '../support/test-app';

/*
 * Round trips per event on the hot path (issue 13: the cost of an event is its round trips to
 * PostgreSQL, one socket write each). Counted, not timed: every exchange the webhook's
 * transaction sends, from its BEGIN to its COMMIT, on the connection that ran the inbox claim.
 * An exchange is one statement, or one with the transaction's BEGIN or COMMIT sent with it
 * ('BEGIN + claim', 'outbox + COMMIT': DATABASE_BATCH_TRANSACTIONS). A budget here fails when
 * a change adds a round trip to the path.
 */

const SECRET = 'whsec_test';
const WEBHOOK = '/api/v1/payment/webhook';

type Query = (this: Client, ...args: unknown[]) => unknown;

describe('statements per webhook event (e2e)', () => {
  let t: TestApp;
  let stripe: FakeStripeApi;
  /** What each call to pg sent: its statement, with the BEGIN / COMMIT batched with it. */
  const sent: { client: Client; text: string; exchange: string[] }[] = [];
  const original = Client.prototype.query as unknown as Query;
  const heard: { name: string; payload: TransactionSucceededEvent }[] = [];
  const heardSubscriptions: { name: string; payload: SubscriptionUpdatedEvent }[] = [];
  const heardOthers: { name: string; payload: Record<string, unknown> }[] = [];
  const checkouts = new OurCheckouts(() => t.http, 'statements');

  beforeAll(async () => {
    (Client.prototype as unknown as { query: Query }).query = function (
      this: Client,
      ...args: unknown[]
    ) {
      const config = args[0] as
        string | { text?: string; begin?: boolean; commit?: boolean } | undefined;
      const text = (typeof config === 'string' ? config : (config?.text ?? '')).trim();
      const batched = typeof config === 'object' ? config : {};
      sent.push({
        client: this,
        text,
        exchange: [
          ...(batched.begin ? ['START TRANSACTION'] : []),
          text,
          ...(batched.commit ? ['COMMIT'] : []),
        ],
      });
      return original.apply(this, args);
    };
    stripe = new FakeStripeApi();
    const apiBase = await stripe.start();
    t = await createTestApp({
      PAYMENT_PROVIDER: 'stripe',
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_WEBHOOK_SECRET: SECRET,
      STRIPE_API_BASE: apiBase,
    });
    t.app
      .get(EventEmitter2)
      .on(PaymentEvents.TRANSACTION_SUCCEEDED, (payload: TransactionSucceededEvent) =>
        heard.push({ name: PaymentEvents.TRANSACTION_SUCCEEDED, payload }),
      );
    for (const name of [PaymentEvents.REFUND_CREATED, PaymentEvents.DISPUTE_CREATED]) {
      t.app
        .get(EventEmitter2)
        .on(name, (payload: Record<string, unknown>) => heardOthers.push({ name, payload }));
    }
    for (const name of [PaymentEvents.SUBSCRIPTION_CREATED, PaymentEvents.SUBSCRIPTION_UPDATED]) {
      t.app
        .get(EventEmitter2)
        .on(name, (payload: SubscriptionUpdatedEvent) =>
          heardSubscriptions.push({ name, payload }),
        );
    }
  });
  afterAll(async () => {
    (Client.prototype as unknown as { query: Query }).query = original;
    await t?.close();
    await stripe?.stop();
  });

  /** The exchanges of the transaction that claimed `eventId`, from its BEGIN to its COMMIT. */
  async function statementsOf(
    eventId: string,
    deliver: () => Promise<unknown>,
  ): Promise<string[][]> {
    sent.length = 0;
    await deliver();
    const claim = sent.findIndex(
      (s) => s.text.includes('INSERT INTO payment_webhook_event') && s.text.includes('RETURNING'),
    );
    expect(claim).toBeGreaterThanOrEqual(0);
    const client = sent[claim].client;
    const mine = sent.filter((s) => s.client === client).map((s) => s.exchange);
    const at = mine.indexOf(sent[claim].exchange);
    const begins = (exchange: string[]) => /^(START TRANSACTION|BEGIN)/i.test(exchange[0]);
    const commits = (exchange: string[]) => /^COMMIT/i.test(exchange[exchange.length - 1]);
    let begin = at;
    while (begin > 0 && !begins(mine[begin])) begin--;
    let end = at;
    while (end < mine.length - 1 && !commits(mine[end])) end++;
    expect(begins(mine[begin])).toBe(true);
    expect(commits(mine[end])).toBe(true);
    void eventId;
    return mine.slice(begin, end + 1);
  }

  /** An exchange named by what it sends, for a readable failure. */
  const kindOf = (exchange: string[]): string => exchange.map(statementKind).join(' + ');
  const statementKind = (text: string): string => {
    if (/^(START TRANSACTION|BEGIN)/i.test(text)) return 'BEGIN';
    if (/^COMMIT/i.test(text)) return 'COMMIT';
    if (text.includes('INSERT INTO payment_webhook_event')) return 'claim';
    if (text.includes('INSERT INTO payment_outbox')) return 'outbox';
    const verb = text.split(/\s+/)[0].toUpperCase();
    const table = /(?:FROM|INTO|UPDATE)\s+"?(payment_[a-z_]+)/i.exec(text)?.[1] ?? '?';
    return `${verb} ${table}`;
  };

  const post = async (event: ReturnType<typeof stripeEvent>) => {
    const delivery = signedStripeDelivery(event, SECRET);
    const response = await t.http.post(WEBHOOK).set(delivery.headers).send(delivery.body);
    expect(response.status).toBe(200);
    expect(response.body.outcome).toBe('processed');
  };

  /** The event's payload as announced, and the row as the ORM loads it afterwards, agree. */
  async function expectAnnouncedAsStored(paymentIntentId: string): Promise<void> {
    const announced = heard.filter(
      (h) => h.payload.transaction.provider_payment_intent_id === paymentIntentId,
    );
    expect(announced).toHaveLength(1);
    const row = await t.dataSource
      .getRepository(TransactionEntity)
      .findOneByOrFail({ providerPaymentIntentId: paymentIntentId, type: 'charge' });
    expect(announced[0].payload.transaction).toEqual(toTransactionResource(row));
    // And as the outbox keeps it for durable listeners.
    const [outbox] = await t.dataSource.query<{ payload: { transaction: unknown } }[]>(
      `SELECT payload FROM payment_outbox WHERE name = $1 AND provider_event_id = $2`,
      [PaymentEvents.TRANSACTION_SUCCEEDED, announced[0].payload.providerEventId],
    );
    expect(outbox.payload.transaction).toEqual(
      JSON.parse(JSON.stringify(toTransactionResource(row))),
    );
  }

  it('payment_intent.succeeded of a new payment: BEGIN, claim, session, charge, insert, outbox, COMMIT', async () => {
    const { paymentIntentId } = await checkouts.create();
    const event = stripeEvent('payment_intent.succeeded', checkouts.paymentIntent(paymentIntentId));
    const statements = await statementsOf(event.id, () => post(event));
    expect(statements.map(kindOf)).toEqual([
      'BEGIN + claim',
      'SELECT payment_checkout_session',
      'SELECT payment_transaction',
      'INSERT payment_transaction',
      'outbox + COMMIT',
    ]);
    await expectAnnouncedAsStored(paymentIntentId);
  });

  it('checkout.session.completed of an open checkout: the session updated is not read back', async () => {
    const { sessionId, paymentIntentId } = await checkouts.create();
    const event = stripeEvent(
      'checkout.session.completed',
      checkouts.completedSession(sessionId, paymentIntentId),
    );
    expect((await statementsOf(event.id, () => post(event))).map(kindOf)).toEqual([
      'BEGIN + claim',
      'SELECT payment_checkout_session',
      'SELECT payment_transaction',
      'INSERT payment_transaction',
      'UPDATE payment_checkout_session', // returns the row the event announces
      'outbox + COMMIT',
    ]);
    // The completion as announced carries the session and its charge exactly as the ORM loads them.
    const charge = await t.dataSource
      .getRepository(TransactionEntity)
      .findOneByOrFail({ providerPaymentIntentId: paymentIntentId, type: 'charge' });
    const session = await t.dataSource
      .getRepository(CheckoutSessionEntity)
      .findOneByOrFail({ providerSessionId: sessionId });
    const [completed] = await t.dataSource.query<
      { payload: { session: unknown; transaction: unknown } }[]
    >(`SELECT payload FROM payment_outbox WHERE name = $1 AND provider_event_id = $2`, [
      PaymentEvents.CHECKOUT_COMPLETED,
      event.id,
    ]);
    expect(completed.payload.session).toEqual(
      JSON.parse(JSON.stringify(toCheckoutSessionResource(session))),
    );
    expect(completed.payload.transaction).toEqual(
      JSON.parse(JSON.stringify(toTransactionResource(charge))),
    );
  });

  it('payment_intent.succeeded over the row its checkout made: one read of the refunds and one UPDATE', async () => {
    const { sessionId, paymentIntentId } = await checkouts.create();
    const t0 = Math.floor(Date.now() / 1000);
    await post(
      stripeEvent(
        'checkout.session.completed',
        checkouts.completedSession(sessionId, paymentIntentId),
        { created: t0 },
      ),
    );
    const event = stripeEvent(
      'payment_intent.succeeded',
      checkouts.paymentIntent(paymentIntentId),
      {
        created: t0 + 1,
      },
    );
    const statements = await statementsOf(event.id, () => post(event));
    expect(statements.map(kindOf)).toEqual([
      'BEGIN + claim',
      'SELECT payment_checkout_session',
      'SELECT payment_transaction',
      'SELECT payment_transaction', // its refunds
      'UPDATE payment_transaction',
      'outbox + COMMIT',
    ]);
    await expectAnnouncedAsStored(paymentIntentId);
  });

  it('customer.subscription.updated, new and then known: the written row is not read back', async () => {
    const id = `sub_test_statements_${Date.now()}`;
    const t0 = Math.floor(Date.now() / 1000);
    const subscription = (status: string) =>
      stripeObject('subscription', { id, customer: null, status, metadata: {} });
    const first = stripeEvent('customer.subscription.updated', subscription('active'), {
      created: t0,
    });
    expect((await statementsOf(first.id, () => post(first))).map(kindOf)).toEqual([
      'BEGIN + claim',
      'SELECT ?', // pg_advisory_xact_lock of the provider subscription
      'SELECT payment_subscription', // the row, locked, and its checkout session: one statement
      'INSERT payment_subscription',
      'UPDATE payment_transaction', // invoices' charges that came first get the link
      'outbox + COMMIT',
    ]);
    const second = stripeEvent('customer.subscription.updated', subscription('past_due'), {
      created: t0 + 1,
    });
    expect((await statementsOf(second.id, () => post(second))).map(kindOf)).toEqual([
      'BEGIN + claim',
      'SELECT ?',
      'SELECT payment_subscription',
      'UPDATE payment_subscription',
      'outbox + COMMIT',
    ]);
    const row = await t.dataSource
      .getRepository(SubscriptionEntity)
      .findOneByOrFail({ providerSubscriptionId: id });
    const announced = heardSubscriptions.filter(
      (h) => h.payload.subscription.provider_subscription_id === id,
    );
    expect(announced.length).toBeGreaterThanOrEqual(2);
    // The last announcement carries the row exactly as the ORM loads it.
    expect(announced[announced.length - 1].payload.subscription).toEqual(
      toSubscriptionResource(row),
    );
  });

  it('charge.refunded of a charge not recorded here: the refund row as inserted is announced', async () => {
    const n = `${Date.now()}`;
    const charge = stripeObject('charge.refunded', {
      id: `ch_stmt_${n}`,
      payment_intent: `pi_stmt_${n}`,
    });
    const refunds = charge.refunds as { data: Record<string, unknown>[] };
    Object.assign(refunds.data[0], {
      id: `re_stmt_${n}`,
      charge: `ch_stmt_${n}`,
      payment_intent: `pi_stmt_${n}`,
    });
    const event = stripeEvent('charge.refunded', charge);
    expect((await statementsOf(event.id, () => post(event))).map(kindOf)).toEqual([
      'BEGIN + claim',
      'SELECT payment_transaction', // the charge
      'SELECT payment_transaction', // the refund by its provider id
      'INSERT payment_transaction',
      'outbox + COMMIT',
    ]);
    const row = await t.dataSource
      .getRepository(TransactionEntity)
      .findOneByOrFail({ providerRefundId: `re_stmt_${n}` });
    const announced = heardOthers.filter(
      (h) =>
        h.name === PaymentEvents.REFUND_CREATED &&
        (h.payload.refund as { id: unknown }).id === row.id,
    );
    expect(announced).toHaveLength(1);
    expect(announced[0].payload.refund).toEqual(toTransactionResource(row));
  });

  it('charge.dispute.created of a new dispute: the dispute row as inserted is announced', async () => {
    const n = `${Date.now()}`;
    const event = stripeEvent(
      'charge.dispute.created',
      stripeObject('dispute', {
        id: `dp_stmt_${n}`,
        charge: `ch_stmt_d_${n}`,
        payment_intent: `pi_stmt_d_${n}`,
      }),
    );
    expect((await statementsOf(event.id, () => post(event))).map(kindOf)).toEqual([
      'BEGIN + claim',
      'SELECT payment_transaction', // its charge, if recorded
      'INSERT payment_dispute',
      'outbox + COMMIT',
    ]);
    const row = await t.dataSource
      .getRepository(DisputeEntity)
      .findOneByOrFail({ providerDisputeId: `dp_stmt_${n}` });
    const announced = heardOthers.filter(
      (h) =>
        h.name === PaymentEvents.DISPUTE_CREATED &&
        (h.payload.dispute as { id: unknown }).id === toDisputeResource(row).id,
    );
    expect(announced).toHaveLength(1);
    expect(announced[0].payload.dispute).toEqual(toDisputeResource(row));
  });
});
