/**
 * A small app backend using a client generated from this service's /docs-json
 * (openapi-typescript + openapi-fetch), as a user would write it. It is never run:
 * test/e2e/openapi-client.e2e-spec.ts generates ./generated/api.ts from the running
 * app and type-checks this file against it, so a document that drifts from the code
 * (a missing response schema, untyped query parameters, a lost enum) fails `npm test`.
 */
import createClient from 'openapi-fetch';
import type { components, paths } from './generated/api';

type ErrorBody = components['schemas']['ErrorBody'];
type Transaction = components['schemas']['Transaction'];

const client = createClient<paths>({
  baseUrl: 'http://localhost:8000',
  headers: { Authorization: 'Bearer sk_test_key' },
});

/** Every error has the one shape: statusCode, error, message (one string), details?. */
function describe(error: ErrorBody): string {
  const fields = error.details?.fields;
  return `${error.statusCode} ${error.error}: ${error.message}${fields ? ` ${JSON.stringify(fields)}` : ''}`;
}

export async function startCheckout(userId: string): Promise<string> {
  const { data, error } = await client.POST('/api/v1/payment/checkout', {
    body: {
      price_id: 'price_sandbox_onetime',
      mode: 'payment',
      quantity: 1,
      customer_ref: userId,
      metadata: { order_id: '42' },
    },
    headers: { 'Idempotency-Key': `order-42-${userId}` },
  });
  if (error) throw new Error(describe(error));
  const sessionId: string = data.session_id;
  const expiresAt: string | null = data.expires_at;
  void sessionId;
  void expiresAt;
  return data.checkout_url ?? '/';
}

export async function checkoutOutcome(sessionId: string): Promise<number | null> {
  const { data, error } = await client.GET('/api/v1/payment/checkout/{sessionId}', {
    params: { path: { sessionId } },
  });
  if (error) throw new Error(describe(error));
  const status: 'open' | 'complete' | 'expired' = data.status;
  const mode: 'payment' | 'subscription' = data.mode;
  void status;
  void mode;
  return data.transaction_id;
}

export async function succeededPayments(userId: string, page: number): Promise<Transaction[]> {
  const { data, error } = await client.GET('/api/v1/payment/transactions', {
    params: {
      query: {
        status: 'succeeded',
        type: 'charge',
        customer_ref: userId,
        page,
        page_size: 50,
        include: 'total',
      },
    },
  });
  if (error) throw new Error(describe(error));
  const total: number | undefined = data.total;
  const more: boolean = data.has_more;
  void total;
  void more;
  return data.transactions;
}

/** Every succeeded payment of a user, walking the cursor to the end. */
export async function allSucceededPayments(userId: string): Promise<Transaction[]> {
  const all: Transaction[] = [];
  let after: number | undefined;
  for (;;) {
    const { data, error } = await client.GET('/api/v1/payment/transactions', {
      params: {
        query: { status: 'succeeded', customer_ref: userId, limit: 100, starting_after: after },
      },
    });
    if (error) throw new Error(describe(error));
    all.push(...data.transactions);
    if (!data.has_more || data.transactions.length === 0) return all;
    after = data.transactions[data.transactions.length - 1].id;
  }
}

export async function refundPart(transaction: Transaction, amount: number): Promise<Transaction> {
  const { data, error, response } = await client.POST('/api/v1/payment/refund/{transactionId}', {
    params: { path: { transactionId: transaction.id } },
    body: { amount, reason: 'requested_by_customer' },
  });
  if (error) {
    // 409: already refunded (or more than what remains); 404: no such charge.
    if (error.statusCode === 409) return transaction;
    throw new Error(`${response.status}: ${describe(error)}`);
  }
  const type: 'charge' | 'refund' = data.type;
  const parent: number | null = data.parent_transaction_id;
  void type;
  void parent;
  return data;
}

export async function openDisputes(): Promise<number> {
  const { data, error } = await client.GET('/api/v1/payment/disputes', {
    params: { query: { status: 'open', page: 1 } },
  });
  if (error) throw new Error(describe(error));
  const kinds: ('chargeback' | 'fraud_warning')[] = data.disputes.map((d) => d.kind);
  return kinds.length;
}

export async function cancelSubscription(id: number): Promise<string | null> {
  const { data, error } = await client.POST('/api/v1/payment/subscriptions/{id}/cancel', {
    params: { path: { id } },
  });
  if (error) throw new Error(describe(error));
  const atPeriodEnd: boolean = data.cancel_at_period_end;
  void atPeriodEnd;
  return data.current_period_end;
}

export async function activeSubscriptions(userId: string): Promise<number> {
  const { data, error } = await client.GET('/api/v1/payment/subscriptions', {
    params: { query: { status: 'active', customer_ref: userId, page_size: 100 } },
  });
  if (error) throw new Error(describe(error));
  return data.subscriptions.length;
}
