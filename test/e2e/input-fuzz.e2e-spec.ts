import fc from 'fast-check';
import { PAYMENT_PROVIDER } from '../../src/payment-provider/payment-provider.interface';
import { ProviderError } from '../../src/payment-provider/payment-provider.errors';
import { SandboxWebhookSender } from '../../src/payment-provider/sandbox/sandbox-webhook.sender';
import { SubscriptionEntity } from '../../src/subscriptions/entities/subscription.entity';
import { TransactionEntity } from '../../src/transactions/entities/transaction.entity';
import { rawRequest } from '../support/raw-request';
import { registeredRoutes, type RegisteredRoute } from '../support/route-table';
import { createTestApp, type TestApp } from '../support/test-app';
import { FakeStripeApi } from '../support/fake-stripe';

/*
 * Property: whatever a client sends to any route (body, query, path, content type),
 * the service never answers 5xx; and a 4xx leaves every table as it was and calls
 * the provider only when the provider itself refused (its 400 is passed on).
 * Seeded and reproducible: FUZZ_SEED=<n> reruns a run; FUZZ_RUNS scales it.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const RUNS = Number(process.env.FUZZ_RUNS ?? 2500);
const KEY = 'fuzz-key';

const TABLES = [
  'payment_customer',
  'payment_checkout_session',
  'payment_transaction',
  'payment_subscription',
  'payment_dispute',
  'payment_webhook_event',
];

/** Field names the routes know (so that generated bodies reach the validators, not just "unknown field"). */
const FIELDS = [
  'price_id',
  'mode',
  'quantity',
  'success_url',
  'cancel_url',
  'customer_ref',
  'customer_email',
  'metadata',
  'amount',
  'reason',
  'payment_intent_id',
  'charge_id',
  'due_in_hours',
  'status',
  'fraud_type',
  'seconds',
];
const QUERY_KEYS = ['page', 'page_size', 'status', 'type', 'customer_ref', 'session_id', 'limit'];

const nastyString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udfff',
    '\udc00\ud800',
    '𝄞',
    'é',
    'x'.repeat(201),
    'x'.repeat(600),
    'price_fake_onetime',
    'price_fake_monthly',
    'price_unknown',
    'payment',
    'subscription',
    '/thanks',
    'https://evil.example.com/',
    'javascript:alert(1)',
    'a@b.co',
    'requested_by_customer',
    'open',
    'succeeded',
    'charge',
    '__proto__',
    'constructor',
    '1e17',
    '-1',
    '0',
    '2147483648',
    '99999999999999999999',
    '1.5',
    'null',
    'true',
    'pi_x',
    'ch_x',
  ),
);
const nastyNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53, 1e17, 1e308, 0.5, 100, 2900),
);
const leaf = fc.oneof(nastyString, nastyNumber, fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), nastyString), tie('node'), { maxKeys: 3 }),
  ),
})).node;
const deep = fc.integer({ min: 10, max: 3000 }).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`);

const body = fc.oneof(
  fc
    .dictionary(fc.oneof(fc.constantFrom(...FIELDS), nastyString), value, { maxKeys: 6 })
    .map((object) => JSON.stringify(object)),
  value.map((v) => JSON.stringify(v)),
  deep.map((d) => `{"metadata":${d}}`),
  fc.constantFrom(
    '',
    '{',
    '[1,2',
    '{"a":1}x',
    'null',
    '"text"',
    '{"__proto__":{"x":1}}',
    '{"constructor":{"prototype":{"x":1}}}',
    '{"amount":1}',
    '{"price_id":"price_fake_onetime","mode":"payment"}',
  ),
);
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/octet-stream',
  'application/xml',
  'application/x-www-form-urlencoded',
  undefined,
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom(...QUERY_KEYS),
      nastyString.map((v) => encodeURIComponent(!/\p{Cs}/u.test(v) ? v : 'x')),
    ),
    { maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'));
const rawQuery = fc.constantFrom(
  'page=%00',
  'customer_ref=%ED%A0%80',
  'status[]=open',
  'page=1&page=2',
  'customer_ref=%FF',
);

interface Case {
  route: RegisteredRoute;
  params: string[];
  query: string;
  body: string | undefined;
  contentType: string | undefined;
}

interface ProviderCall {
  operation: string;
  /** The provider refused the request itself (its 400 is passed on to the client). */
  refused: boolean;
}

/**
 * Records every call the app makes to its PAYMENT_PROVIDER (the real adapter,
 * observed, not replaced), and whether the provider refused it.
 */
function recordProviderCalls(provider: object, into: ProviderCall[]): void {
  const target = provider as Record<string, unknown>;
  let proto: object | null = Object.getPrototypeOf(provider) as object | null;
  while (proto && proto !== Object.prototype) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const original = target[name];
      if (
        name === 'constructor' ||
        typeof original !== 'function' ||
        name === 'parseWebhook' ||
        name === 'interpretEvent'
      )
        continue;
      if (Object.prototype.hasOwnProperty.call(target, name)) continue;
      target[name] = (...args: unknown[]): unknown => {
        const call: ProviderCall = { operation: name, refused: false };
        into.push(call);
        const mark = (error: unknown): never => {
          call.refused = error instanceof ProviderError && error.kind === 'invalid_request';
          throw error;
        };
        try {
          const result = (original as (...a: unknown[]) => unknown).apply(provider, args);
          return result instanceof Promise ? result.catch(mark) : result;
        } catch (error) {
          return mark(error);
        }
      };
    }
    proto = Object.getPrototypeOf(proto) as object | null;
  }
}

function fuzz(provider: 'stripe' | 'sandbox', runs: number): void {
  describe(`input fuzzing on the ${provider} provider`, () => {
    let t: TestApp;
    let stripe: FakeStripeApi | undefined;
    let routes: RegisteredRoute[];
    let ids: string[];
    const providerCalls: ProviderCall[] = [];

    beforeAll(async () => {
      const env: Record<string, string> = { API_KEYS: KEY, PUBLIC_RATE_LIMIT: '1000000' };
      if (provider === 'stripe') {
        stripe = new FakeStripeApi();
        Object.assign(env, {
          PAYMENT_PROVIDER: 'stripe',
          STRIPE_SECRET_KEY: 'sk_test_fuzz',
          STRIPE_WEBHOOK_SECRET: 'whsec_fuzz',
          STRIPE_API_BASE: await stripe.start(),
        });
      }
      t = await createTestApp(env);
      routes = registeredRoutes(t.app).filter((r) => !r.path.startsWith('/docs'));
      // Rows for the routes to find: a succeeded charge the provider knows, and an active subscription.
      const charge =
        provider === 'sandbox'
          ? await sandboxCharge(t)
          : await t.dataSource.getRepository(TransactionEntity).save({
              provider,
              type: 'charge',
              status: 'succeeded',
              amount: 1_000_000_000,
              currency: 'usd',
              providerPaymentIntentId: 'pi_fuzz_1',
              providerChargeId: 'ch_fuzz_1',
              metadata: {},
            });
      recordProviderCalls(t.app.get(PAYMENT_PROVIDER), providerCalls);
      const subscription = await t.dataSource.getRepository(SubscriptionEntity).save({
        provider,
        providerSubscriptionId: 'sub_fuzz_1',
        status: 'active',
        quantity: 1,
        metadata: {},
      });
      ids = [String(charge.id), String(subscription.id)];
    });
    afterAll(async () => {
      await t?.close();
      await stripe?.stop();
    });

    const fingerprint = async (): Promise<string> => {
      // The sandbox delivers some webhooks after its answer: let those land first.
      if (provider === 'sandbox') await t.app.get(SandboxWebhookSender).send([]);
      const rows = await t.dataSource.query<{ t: string; f: string }[]>(
        TABLES.map(
          (table) =>
            `SELECT '${table}' AS t, md5(coalesce(string_agg(x::text, '|' ORDER BY x.id), '')) AS f FROM ${table} x`,
        ).join(' UNION ALL '),
      );
      return rows.map((r) => `${r.t}:${r.f}`).join(',');
    };

    it(`never answers 5xx, and a 4xx changes nothing (${runs} seeded cases)`, async () => {
      const paramValue = fc.oneof(
        fc.constantFrom(
          ...ids,
          '2147483648',
          '0',
          '-1',
          'abc',
          '%00',
          '%ED%A0%80',
          'cs_fuzz',
          '1e3',
          'x'.repeat(300),
        ),
        nastyString
          .filter((v) => v.length > 0)
          .map((v) => encodeURIComponent(!/\p{Cs}/u.test(v) ? v : 'y')),
      );
      const caseOf = fc.record({
        route: fc.constantFrom(...routes),
        params: fc.array(paramValue, { minLength: 2, maxLength: 2 }),
        query: fc.oneof(query, rawQuery),
        body: fc.option(body, { nil: undefined }),
        contentType,
      });
      await fc.assert(
        fc.asyncProperty(caseOf, async (c: Case) => {
          let i = 0;
          const path = c.route.path.replace(/:[A-Za-z_]+/g, () => c.params[i++ % 2]);
          const url = c.query ? `${path}?${c.query}` : path;
          const before = await fingerprint();
          const callsBefore = providerCalls.length;
          const headers: Record<string, string> = { authorization: `Bearer ${KEY}` };
          if (c.contentType) headers['content-type'] = c.contentType;
          const { status, text } = await rawRequest(t.baseUrl, {
            method: c.route.method.toUpperCase(),
            path: url,
            headers,
            body: c.body,
          });
          const what = `${c.route.method.toUpperCase()} ${url} (${c.contentType ?? 'no type'}) ${c.body?.slice(0, 200) ?? ''} → ${status} ${text.slice(0, 300)}`;
          if (status >= 500) throw new Error(`5xx: ${what}`);
          if (status >= 400) {
            const calls = providerCalls.slice(callsBefore);
            const last = calls[calls.length - 1];
            if (calls.length > 0 && !last.refused) {
              throw new Error(`provider called for a 4xx it did not refuse itself: ${what}`);
            }
            const after = calls.length === 0 ? await fingerprint() : before;
            if (after !== before) {
              const changed = after
                .split(',')
                .filter((table) => !before.split(',').includes(table));
              throw new Error(
                `a 4xx changed rows (${changed.map((c) => c.split(':')[0]).join(', ')}): ${what}`,
              );
            }
          }
        }),
        { seed: SEED, numRuns: runs, endOnFailure: true },
      );
    });
  });
}

/** A charge paid through a sandbox checkout, so that the sandbox knows it too. */
async function sandboxCharge(t: TestApp): Promise<TransactionEntity> {
  const checkout = await t.http
    .post('/api/v1/payment/checkout')
    .set('Authorization', `Bearer ${KEY}`)
    .send({ price_id: 'price_sandbox_onetime', mode: 'payment' })
    .expect(201);
  const sessionId = checkout.body.session_id as string;
  await t.http.post(`/sandbox/checkout/${sessionId}/pay`).expect(303);
  const found = await t.http
    .get(`/api/v1/payment/transactions/by-session/${sessionId}`)
    .set('Authorization', `Bearer ${KEY}`)
    .expect(200);
  return t.dataSource
    .getRepository(TransactionEntity)
    .findOneByOrFail({ id: found.body.id as number });
}

fuzz('stripe', RUNS);
fuzz('sandbox', Math.ceil(RUNS / 2));
