import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Response } from 'supertest';
import { signSandboxPayload } from '../../src/payment-provider/sandbox/sandbox-signature';
import {
  CLIENT_DIR,
  CLIENT_PROGRAM,
  generateClientTypes,
  documentedRoutes,
  responseSchema,
  schemaProblems,
  typeCheck,
  type HttpMethod,
  type Json,
} from '../support/openapi';
import { createTestApp, type TestApp } from '../support/test-app';

const API_KEY = 'sk_openapi_test_key';
const auth = { Authorization: `Bearer ${API_KEY}` };
const GENERATED = path.join(CLIENT_DIR, 'generated/api.ts');

/**
 * The OpenAPI document is generated from the code; these tests hold it to the code:
 * every route is in it, what the routes really answer conforms to it, its security
 * matches what the guards enforce, and a client generated from it compiles.
 */
describe('the OpenAPI document and a client generated from it', () => {
  let t: TestApp;
  let document: Json;

  beforeAll(async () => {
    t = await createTestApp({ API_KEYS: API_KEY });
    document = (await t.http.get('/docs-json').expect(200)).body;
  });
  afterAll(() => t.close());

  const operations = (): { method: HttpMethod; path: string; operation: Json }[] =>
    Object.entries(document.paths as Json).flatMap(([docPath, item]) =>
      Object.entries(item as Json)
        .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
        .map(([method, operation]) => ({
          method: method as HttpMethod,
          path: docPath,
          operation: operation as Json,
        })),
    );

  /** Asserts the response conforms to the schema documented for its status, and returns it. */
  function conforms(method: HttpMethod, docPath: string, response: Response): Response {
    const schema = responseSchema(document, method, docPath, response.status);
    if (!schema)
      throw new Error(
        `${method.toUpperCase()} ${docPath} answered ${response.status}, which is not documented: ${JSON.stringify(response.body)}`,
      );
    expect({
      [`${method} ${docPath} ${response.status}`]: schemaProblems(document, schema, response.body),
    }).toEqual({
      [`${method} ${docPath} ${response.status}`]: [],
    });
    return response;
  }

  it('documents every route the app registers, the webhook included', () => {
    const routes = documentedRoutes(t.app);
    expect(routes.length).toBeGreaterThan(20);
    const missing = routes.filter((route) => !document.paths?.[route.path]?.[route.method]);
    expect(missing).toEqual([]);
    expect(document.paths['/api/v1/payment/webhook']?.post).toBeDefined();
    expect(document.paths['/payment/status/{sessionId}']?.get).toBeDefined();
    expect(document.paths['/health/ready']?.get).toBeDefined();
  });

  it('gives every JSON operation a 4xx response with the one error shape', () => {
    const errorSchema = document.components.schemas.ErrorBody;
    expect(errorSchema.required).toEqual(['statusCode', 'error', 'message']);
    expect(Object.keys(errorSchema.properties)).toEqual([
      'statusCode',
      'error',
      'message',
      'details',
    ]);
    // The bundled HTML pages (their success answers text/html or a 303) are documented too, with HTML errors.
    const answersJson = (operation: Json): boolean =>
      Object.entries(operation.responses as Json).some(
        ([status, response]) =>
          /^2\d\d$/.test(status) && (response as Json).content?.['application/json'] !== undefined,
      );
    // An operation without input, key or provider call (liveness, readiness) has no 4xx to document.
    const takesInput = (operation: Json): boolean =>
      (operation.parameters ?? []).length > 0 ||
      operation.requestBody !== undefined ||
      (operation.security ?? []).length > 0;
    const json = operations().filter(
      ({ operation }) => answersJson(operation) && takesInput(operation),
    );
    expect(json.length).toBeGreaterThan(20);
    const without = json
      .filter(
        ({ operation }) =>
          !Object.entries(operation.responses as Json).some(
            ([status, response]) =>
              /^4\d\d$/.test(status) &&
              (response as Json).content?.['application/json']?.schema?.$ref ===
                '#/components/schemas/ErrorBody',
          ),
      )
      .map(({ method, path: docPath }) => `${method} ${docPath}`);
    expect(without).toEqual([]);
  });

  it('declares API keys as an opaque bearer token, and security exactly on the routes that demand it', async () => {
    // API keys are opaque: no bearerFormat JWT.
    const { bearer, ...others } = document.components.securitySchemes;
    expect(others).toEqual({});
    expect(bearer).toEqual({ type: 'http', scheme: 'bearer', description: expect.any(String) });
    // Ask every operation without a key: a 401 is what "protected" means.
    const mismatched: string[] = [];
    for (const { method, path: docPath, operation } of operations()) {
      const url = docPath.replace(/\{[^}]+\}/g, '1');
      // A JSON body on POSTs, so that a content-type check never answers before the key check.
      const request = t.http[method](url).redirects(0);
      const response = method === 'post' ? await request.send({}) : await request;
      const enforced = response.status === 401;
      const declared = (operation.security ?? []).some((s: Json) => 'bearer' in s);
      if (enforced !== declared)
        mismatched.push(`${method} ${docPath}: answers ${response.status}, security ${declared}`);
      if (enforced) expect(operation.responses['401']).toBeDefined();
    }
    expect(mismatched).toEqual([]);
  });

  it('documents the list filters and paging as typed query parameters, with their enums', () => {
    const resolve = (schema: Json): Json =>
      schema.$ref
        ? document.components.schemas[String(schema.$ref).replace('#/components/schemas/', '')]
        : schema;
    const query = (docPath: string): Json =>
      Object.fromEntries(
        (document.paths[docPath].get.parameters as Json[])
          .filter((p) => p.in === 'query')
          .map((p) => [p.name, resolve(p.schema)]),
      );
    const transactions = query('/api/v1/payment/transactions');
    expect(Object.keys(transactions).sort()).toEqual(
      [
        'customer_ref',
        'ending_before',
        'include',
        'limit',
        'page',
        'page_size',
        'starting_after',
        'status',
        'type',
      ].sort(),
    );
    expect(transactions.status.enum).toEqual(
      expect.arrayContaining(['pending', 'succeeded', 'refunded', 'partially_refunded']),
    );
    expect(transactions.type.enum).toEqual(['charge', 'refund']);
    expect(transactions.page_size).toEqual(
      expect.objectContaining({ type: 'integer', minimum: 1, maximum: 100, default: 20 }),
    );
    expect(query('/api/v1/payment/disputes').status.enum).toContain('open');
    const idParams = (
      document.paths['/api/v1/payment/refund/{transactionId}'].post.parameters as Json[]
    ).filter((p) => p.in === 'path');
    expect(idParams).toEqual([
      expect.objectContaining({
        name: 'transactionId',
        schema: expect.objectContaining({ type: 'integer' }),
      }),
    ]);
    expect(query('/api/v1/payment/subscriptions').status.enum).toContain('active');
  });

  it('answers a checkout, a payment, lists, a refund and errors exactly as documented', async () => {
    const checkout = conforms(
      'post',
      '/api/v1/payment/checkout',
      await t.http
        .post('/api/v1/payment/checkout')
        .set(auth)
        .send({ price_id: 'price_sandbox_onetime', mode: 'payment', customer_ref: 'user-oas' })
        .expect(201),
    );
    const sessionId = checkout.body.session_id as string;
    await t.http.post(`/sandbox/checkout/${sessionId}/pay`).expect(303);
    conforms(
      'get',
      '/api/v1/payment/checkout/{sessionId}',
      await t.http.get(`/api/v1/payment/checkout/${sessionId}`).set(auth).expect(200),
    );
    conforms(
      'get',
      '/payment/status/{sessionId}',
      await t.http.get(`/payment/status/${sessionId}`).expect(200),
    );
    const charge = conforms(
      'get',
      '/api/v1/payment/transactions/by-session/{sessionId}',
      await t.http
        .get(`/api/v1/payment/transactions/by-session/${sessionId}`)
        .set(auth)
        .expect(200),
    ).body;
    conforms(
      'post',
      '/api/v1/payment/refund/{transactionId}',
      await t.http
        .post(`/api/v1/payment/refund/${charge.id}`)
        .set(auth)
        .send({ amount: 500, reason: 'requested_by_customer' })
        .expect(201),
    );
    conforms(
      'get',
      '/api/v1/payment/transactions',
      await t.http
        .get('/api/v1/payment/transactions')
        .query({ status: 'partially_refunded', customer_ref: 'user-oas', page: 1, page_size: 5 })
        .set(auth)
        .expect(200),
    );
    conforms(
      'get',
      '/api/v1/payment/transactions/{id}',
      await t.http.get(`/api/v1/payment/transactions/${charge.id}`).set(auth).expect(200),
    );

    const subscription = await t.http
      .post('/api/v1/payment/checkout')
      .set(auth)
      .send({ price_id: 'price_sandbox_monthly', mode: 'subscription', customer_ref: 'user-oas' })
      .expect(201);
    await t.http.post(`/sandbox/checkout/${subscription.body.session_id}/pay`).expect(303);
    const subscriptions = conforms(
      'get',
      '/api/v1/payment/subscriptions',
      await t.http
        .get('/api/v1/payment/subscriptions')
        .query({ status: 'active' })
        .set(auth)
        .expect(200),
    ).body;
    expect(subscriptions.subscriptions).toHaveLength(1);
    conforms(
      'post',
      '/api/v1/payment/subscriptions/{id}/cancel',
      await t.http
        .post(`/api/v1/payment/subscriptions/${subscriptions.subscriptions[0].id}/cancel`)
        .set(auth)
        .expect(200),
    );

    const dispute = conforms(
      'post',
      '/sandbox/simulate/dispute',
      await t.http
        .post('/sandbox/simulate/dispute')
        .set(auth)
        .send({ charge_id: charge.provider_charge_id })
        .expect(201),
    );
    expect(dispute.body.events.length).toBeGreaterThan(0);
    const disputes = conforms(
      'get',
      '/api/v1/payment/disputes',
      await t.http.get('/api/v1/payment/disputes').query({ status: 'open' }).set(auth).expect(200),
    ).body;
    conforms(
      'get',
      '/api/v1/payment/disputes/{id}',
      await t.http.get(`/api/v1/payment/disputes/${disputes.disputes[0].id}`).set(auth).expect(200),
    );

    // Errors: validation (naming the field), unauthorized, not found, conflict.
    conforms(
      'post',
      '/api/v1/payment/checkout',
      await t.http.post('/api/v1/payment/checkout').set(auth).send({ mode: 'rent' }).expect(400),
    );
    conforms(
      'get',
      '/api/v1/payment/transactions',
      await t.http
        .get('/api/v1/payment/transactions')
        .query({ page_size: 1000 })
        .set(auth)
        .expect(400),
    );
    conforms(
      'get',
      '/api/v1/payment/transactions',
      await t.http.get('/api/v1/payment/transactions').expect(401),
    );
    conforms(
      'get',
      '/api/v1/payment/transactions/{id}',
      await t.http.get('/api/v1/payment/transactions/999999').set(auth).expect(404),
    );
    conforms(
      'post',
      '/api/v1/payment/refund/{transactionId}',
      await t.http.post(`/api/v1/payment/refund/${charge.id}`).set(auth).send({}).expect(201),
    );
    conforms(
      'post',
      '/api/v1/payment/refund/{transactionId}',
      await t.http.post(`/api/v1/payment/refund/${charge.id}`).set(auth).send({}).expect(409),
    );
    conforms('get', '/health', await t.http.get('/health').expect(200));
    conforms('get', '/health/ready', await t.http.get('/health/ready').expect(200));
    conforms('get', '/sandbox/clock', await t.http.get('/sandbox/clock').set(auth).expect(200));
    conforms('get', '/sandbox/prices', await t.http.get('/sandbox/prices').set(auth).expect(200));
    conforms(
      'post',
      '/api/v1/payment/webhook',
      await t.http.post('/api/v1/payment/webhook').send('{}').expect(400),
    );
    const event = JSON.stringify({
      id: 'evt_sbx_openapi',
      object: 'event',
      type: 'customer.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'cus_sbx_openapi', object: 'customer' } },
    });
    const receipt = conforms(
      'post',
      '/api/v1/payment/webhook',
      await t.http
        .post('/api/v1/payment/webhook')
        .set('Content-Type', 'application/json')
        .set('sandbox-signature', signSandboxPayload(event, t.config.sandbox.webhookSecret))
        .send(event)
        .expect(200),
    );
    expect(receipt.body).toMatchObject({ received: true, event_id: 'evt_sbx_openapi' });
  });

  it('flags a response that drifts from its schema (the conformance check can fail)', () => {
    const schema = { $ref: '#/components/schemas/TransactionList' };
    const good = {
      transactions: [],
      has_more: false,
      total: 0,
      page: 1,
      page_size: 20,
    };
    expect(schemaProblems(document, schema, good)).toEqual([]);
    expect(schemaProblems(document, schema, { ...good, next_page: 2 })).toEqual([
      '$.next_page: sent but not documented',
    ]);
    const { has_more: _hasMore, ...withoutHasMore } = good;
    expect(schemaProblems(document, schema, withoutHasMore)).toEqual([
      '$.has_more: required but missing',
    ]);
    expect(schemaProblems(document, schema, { ...good, page: '1' })).toEqual([
      '$.page: "1" is not an integer',
    ]);
    expect(
      schemaProblems(document, { $ref: '#/components/schemas/Transaction' }, { status: 'settled' }),
    ).toContain(
      '$.status: "settled" not in enum ["pending","succeeded","failed","canceled","refunded","partially_refunded"]',
    );
  });

  it('generates a client with openapi-typescript that a small typed program compiles against', async () => {
    await generateClientTypes(document, GENERATED);
    expect(typeCheck([CLIENT_PROGRAM])).toEqual([]);
  }, 120_000);

  it('fails the compile when the document loses a response schema or the list parameters (the check can fail)', async () => {
    const drifted = structuredClone(document);
    delete drifted.paths['/api/v1/payment/checkout'].post.responses['201'].content;
    delete drifted.paths['/api/v1/payment/transactions'].get.parameters;
    const dir = path.join(CLIENT_DIR, 'generated/drifted');
    const file = path.join(dir, 'generated/api.ts');
    const program = path.join(dir, 'client-program.ts');
    fs.mkdirSync(path.dirname(program), { recursive: true });
    fs.copyFileSync(CLIENT_PROGRAM, program);
    await generateClientTypes(drifted, file);
    const diagnostics = typeCheck([program]).join('\n');
    // What a client generated from the document before issue 17 reported.
    expect(diagnostics).toMatch(/client-program\.ts:\d+:\d+ 'data' is possibly 'undefined'/);
    expect(diagnostics).toMatch(
      /Type '\{ status: string; .*' is not assignable to type 'undefined'/,
    );
  }, 120_000);
});
