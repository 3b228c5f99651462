import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { stripeObject, type StripeObject } from '../fixtures/stripe/events';

/*
 * A local stand-in for api.stripe.com (STRIPE_API_BASE points at it): customers, checkout
 * sessions, refunds and subscription updates, answered in Stripe's shapes, with Stripe's
 * mode/price refusals and idempotent replays. Every call is recorded for the test to assert on.
 *
 * Faults (`fault`), as Stripe's SDK meets them in production:
 * - 'refuse': nothing listens (connection refused; nothing reaches "Stripe");
 * - 'reset': the request is read and processed, then the connection breaks before the answer;
 * - 'timeout': processed, and the answer never comes (the SDK times out);
 * - 500: processed, then a 500 (Stripe's outcome is indeterminate);
 * - 429: refused before processing (rate limited).
 * What was made is in `made` (one entry per idempotency key, as Stripe keeps it).
 */

export type FakeFault = null | 'refuse' | 'reset' | 'timeout' | 500 | 429;

export interface StripeCall {
  method: string;
  path: string;
  /** The query string (GET lists: `created[gte]`, `starting_after`, `limit`). */
  query: URLSearchParams;
  idempotencyKey: string | undefined;
  form: URLSearchParams;
  /** The status the fake answered with. */
  answeredStatus?: number;
}

export interface FakeAnswer {
  status: number;
  body: unknown;
  /** Extra response headers (e.g. `stripe-should-retry`). */
  headers?: Record<string, string>;
}

/** An answer of the test's own for a call (e.g. held until a webhook lands); undefined: as usual. */
export type FakeOverride = (
  call: StripeCall,
) => FakeAnswer | undefined | Promise<FakeAnswer | undefined>;

/** Prices the fake knows: amount in cents, recurring or one-off. */
export const FAKE_PRICES: Record<string, { amount: number; recurring: boolean }> = {
  price_fake_onetime: { amount: 2000, recurring: false },
  price_fake_monthly: { amount: 1500, recurring: true },
};

const invalid = (message: string, param: string): FakeAnswer => ({
  status: 400,
  body: { error: { type: 'invalid_request_error', message, param } },
});

/** `metadata[a]=1&metadata[b]=2` → {a: '1', b: '2'} */
export function formMap(form: URLSearchParams, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pattern = new RegExp(`^${prefix.replace(/[[\]]/g, '\\$&')}\\[([^\\]]+)\\]$`);
  for (const [key, value] of form) {
    const match = pattern.exec(key);
    if (match) out[match[1]] = value;
  }
  return out;
}

/** What Stripe answers when its side fails (a 500 fault, or the test's override threw). */
function fakeApiError(message: string): FakeAnswer {
  return { status: 500, body: { error: { type: 'api_error', message } } };
}

export class FakeStripeApi {
  readonly calls: StripeCall[] = [];
  /** Overrides the next answers (e.g. a 500); return undefined to answer normally. */
  override: FakeOverride | null = null;
  private readonly replies = new Map<string, FakeAnswer>();
  private seq = 0;
  private faultNow: FakeFault = null;
  private port = 0;
  private readonly hanging: http.ServerResponse[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const call: StripeCall = {
        method: req.method ?? '',
        path: (req.url ?? '').split('?')[0],
        query: new URLSearchParams((req.url ?? '').split('?')[1] ?? ''),
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      };
      this.calls.push(call);
      if (this.faultNow === 429) {
        call.answeredStatus = 429;
        res.writeHead(429, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: {
              type: 'invalid_request_error',
              code: 'rate_limit',
              message: 'Too many requests',
            },
          }),
        );
        return;
      }
      this.answerTo(call).then(
        (answer) => this.reply(req, res, call, answer),
        (error: Error) => this.reply(req, res, call, fakeApiError(error.message)),
      );
    });
  });

  /** Answers a call once it is processed: as the fault says, else with `answer`. */
  private reply(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    call: StripeCall,
    answer: FakeAnswer,
  ): void {
    if (this.faultNow === 'reset') {
      req.socket.destroy();
      return;
    }
    if (this.faultNow === 'timeout') {
      this.hanging.push(res);
      return;
    }
    if (this.faultNow === 500) {
      call.answeredStatus = 500;
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify(fakeApiError('An unknown error occurred').body));
      return;
    }
    call.answeredStatus = answer.status;
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'request-id': `req_fake_${this.seq}`,
      ...answer.headers,
    });
    res.end(JSON.stringify(answer.body));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}`;
  }

  stop(): Promise<void> {
    for (const res of this.hanging.splice(0)) res.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  get fault(): FakeFault {
    return this.faultNow;
  }

  /** Sets (or clears, with null) the fault every following call meets. */
  async setFault(fault: FakeFault): Promise<void> {
    if (fault === 'refuse' && this.faultNow !== 'refuse') await this.stop();
    if (fault !== 'refuse' && this.faultNow === 'refuse') await this.start();
    if (fault !== 'timeout') for (const res of this.hanging.splice(0)) res.destroy();
    this.faultNow = fault;
  }

  /** What "Stripe" made at a path: one object per idempotency key (or keyless call). */
  made(path: string): StripeObject[] {
    const out: StripeObject[] = [];
    for (const [key, answer] of this.replies) {
      if (key.startsWith(`${path} `) && answer.status === 200)
        out.push(answer.body as StripeObject);
    }
    return out;
  }

  callsTo(path: string): StripeCall[] {
    return this.calls.filter((call) => call.method === 'POST' && call.path === path);
  }

  /**
   * Subscriptions "Stripe" holds, by id: an update changes the stored one (and creates one the
   * test did not seed), GET /v1/subscriptions/:id reads it. Seed with `subscriptions.set`.
   */
  readonly subscriptions = new Map<string, StripeObject>();

  private async answerTo(call: StripeCall): Promise<FakeAnswer> {
    const overridden = await this.override?.(call);
    if (overridden) return overridden;
    if (call.method === 'GET') return this.read(call);
    // Stripe answers a repeated idempotency key with the first answer.
    const cacheKey = call.idempotencyKey ? `${call.path} ${call.idempotencyKey}` : null;
    const cached = cacheKey ? this.replies.get(cacheKey) : undefined;
    if (cached) return cached;
    const answer = this.fresh(call);
    if (cacheKey) this.replies.set(cacheKey, answer);
    return answer;
  }

  private fresh(call: StripeCall): FakeAnswer {
    const n = ++this.seq;
    if (call.path === '/v1/customers') {
      return {
        status: 200,
        body: stripeObject('customer', {
          id: `cus_fake_${n}`,
          email: call.form.get('email'),
          metadata: formMap(call.form, 'metadata'),
        }),
      };
    }
    if (call.path === '/v1/checkout/sessions') return this.session(call, n);
    if (call.path === '/v1/refunds') {
      return {
        status: 200,
        body: stripeObject('refund', {
          id: `re_fake_${n}`,
          amount: Number(call.form.get('amount') ?? '0'),
          payment_intent: call.form.get('payment_intent'),
          charge: null,
          reason: call.form.get('reason'),
          metadata: formMap(call.form, 'metadata'),
          status: 'succeeded',
          created: Math.floor(Date.now() / 1000),
        }),
      };
    }
    const subscription = /^\/v1\/subscriptions\/([^/]+)$/.exec(call.path);
    if (subscription) {
      const id = decodeURIComponent(subscription[1]);
      const stored =
        this.subscriptions.get(id) ?? stripeObject('subscription', { id, status: 'active' });
      const cancel = call.form.get('cancel_at_period_end') === 'true';
      const updated: StripeObject = {
        ...stored,
        cancel_at_period_end: cancel,
        cancel_at: cancel ? (stored.current_period_end ?? null) : null,
        canceled_at: cancel ? Math.floor(Date.now() / 1000) : null,
      };
      this.subscriptions.set(id, updated);
      return { status: 200, body: updated };
    }
    return {
      status: 404,
      body: {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (POST: ${call.path})`,
        },
      },
    };
  }

  /** GETs: the lists the settling lookups read (whole, newest first) and a subscription. */
  private read(call: StripeCall): FakeAnswer {
    const list = (url: string, data: StripeObject[]): FakeAnswer => ({
      status: 200,
      body: { object: 'list', url, has_more: false, data: [...data].reverse() },
    });
    if (call.path === '/v1/refunds') {
      const pi = call.query.get('payment_intent');
      const charge = call.query.get('charge');
      return list(
        call.path,
        this.made('/v1/refunds').filter((refund) =>
          pi ? refund.payment_intent === pi : refund.charge === charge,
        ),
      );
    }
    if (call.path === '/v1/checkout/sessions') {
      const gte = Number(call.query.get('created[gte]') ?? '0');
      return list(
        call.path,
        this.made('/v1/checkout/sessions').filter((session) => Number(session.created) >= gte),
      );
    }
    const subscription = /^\/v1\/subscriptions\/([^/]+)$/.exec(call.path);
    const stored = subscription && this.subscriptions.get(decodeURIComponent(subscription[1]));
    if (stored) return { status: 200, body: stored };
    return {
      status: 404,
      body: {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (GET: ${call.path})`,
        },
      },
    };
  }

  private session(call: StripeCall, n: number): FakeAnswer {
    const mode = call.form.get('mode');
    const priceId = call.form.get('line_items[0][price]') ?? '';
    const quantity = Number(call.form.get('line_items[0][quantity]') ?? '1');
    const price = FAKE_PRICES[priceId];
    if (!price) return invalid(`No such price: '${priceId}'`, 'line_items[0][price]');
    if (mode === 'payment' && price.recurring) {
      return invalid(
        "You specified 'payment' mode but passed a recurring price.",
        'line_items[0][price]',
      );
    }
    if (mode === 'subscription' && !price.recurring) {
      return invalid(
        'You must provide at least one recurring price in `subscription` mode when using prices.',
        'line_items[0][price]',
      );
    }
    const id = `cs_test_fake_${n}_${Date.now()}`;
    const session: StripeObject = stripeObject('checkout-session.open', {
      id,
      mode,
      status: 'open',
      payment_status: 'unpaid',
      url: `https://checkout.stripe.com/c/pay/${id}`,
      created: Math.floor(Date.now() / 1000),
      expires_at: Math.floor(Date.now() / 1000) + 24 * 3600,
      amount_total: price.amount * quantity,
      amount_subtotal: price.amount * quantity,
      currency: 'usd',
      customer: call.form.get('customer'),
      customer_email: call.form.get('customer_email'),
      client_reference_id: call.form.get('client_reference_id'),
      success_url: call.form.get('success_url'),
      cancel_url: call.form.get('cancel_url'),
      payment_intent: null,
      subscription: null,
      metadata: formMap(call.form, 'metadata'),
    });
    return { status: 200, body: session };
  }
}
