import {
  CHECKOUT_MARKER_KEY,
  hasCheckoutMarker,
  metadataProblems,
  providerMetadata,
  withoutMarker,
} from './checkout-metadata';
import {
  idempotencyKeyProblem,
  providerIdempotencyKey,
  requestFingerprint,
  type CheckoutRequestShape,
} from './checkout-idempotency';

const keys = (n: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

describe('metadataProblems', () => {
  it.each<[string, Record<string, unknown>]>([
    ['no keys', {}],
    ['20 keys', keys(20)],
    ['a 40-character key and a 500-character value', { ['k'.repeat(40)]: 'v'.repeat(500) }],
    ['an empty value', { order_ref: '' }],
  ])('accepts %s', (_name, metadata) => {
    expect(metadataProblems(metadata)).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['21 keys', keys(21), 'must have at most 20 keys, got 21'],
    ['a 41-character key', { ['k'.repeat(41)]: 'v' }, 'is longer than 40 characters'],
    [
      'a 501-character value',
      { order: 'v'.repeat(501) },
      'value of "order" is longer than 500 characters',
    ],
    ['a number', { count: 3 }, 'value of "count" must be a string, got a number'],
    ['a nested object', { nested: { a: 'b' } }, 'must be a string, got a object'],
    ['null', { gone: null }, 'must be a string, got null'],
    ['an array', { list: ['a'] }, 'must be a string, got an array'],
    ['a boolean', { flag: true }, 'must be a string, got a boolean'],
    ['an empty key', { '': 'v' }, 'keys must not be empty'],
    ['square brackets in a key', { 'a[b]': 'v' }, 'must not contain square brackets'],
    ['the reserved marker key', { [CHECKOUT_MARKER_KEY]: 'x' }, 'is reserved'],
  ])('refuses %s', (_name, metadata, problem) => {
    expect(metadataProblems(metadata).join('; ')).toContain(problem);
  });
});

describe('the checkout marker', () => {
  it('is added in payment mode only, recognised, and stripped again', () => {
    const sent = providerMetadata({ order: '1' }, 'payment');
    expect(hasCheckoutMarker(sent)).toBe(true);
    expect(withoutMarker(sent)).toEqual({ order: '1' });
    expect(providerMetadata({ order: '1' }, 'subscription')).toEqual({ order: '1' });
    expect(hasCheckoutMarker({ order: '1' })).toBe(false);
  });
});

describe('idempotency', () => {
  const request: CheckoutRequestShape = {
    priceId: 'price_1',
    mode: 'payment',
    quantity: 1,
    successUrl: 'https://a/s',
    cancelUrl: 'https://a/c',
    customerRef: 'u1',
    customerEmail: null,
    metadata: { a: '1', b: '2' },
  };

  it('fingerprints the request regardless of metadata key order', () => {
    const same = requestFingerprint({ ...request, metadata: { b: '2', a: '1' } });
    expect(requestFingerprint(request)).toBe(same);
    expect(same).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each<[string, Partial<CheckoutRequestShape>]>([
    ['price', { priceId: 'price_2' }],
    ['quantity', { quantity: 2 }],
    ['success URL', { successUrl: 'https://a/other' }],
    ['customer', { customerRef: 'u2' }],
    ['metadata', { metadata: { a: '1' } }],
  ])('tells requests apart by %s', (_name, change) => {
    expect(requestFingerprint({ ...request, ...change })).not.toBe(requestFingerprint(request));
  });

  it('derives a stable provider key from the client key and request, and a fresh one without', () => {
    const fingerprint = requestFingerprint(request);
    expect(providerIdempotencyKey('k1', fingerprint)).toBe(
      providerIdempotencyKey('k1', fingerprint),
    );
    expect(providerIdempotencyKey('k1', fingerprint)).not.toBe(
      providerIdempotencyKey('k2', fingerprint),
    );
    expect(providerIdempotencyKey(null, fingerprint)).not.toBe(
      providerIdempotencyKey(null, fingerprint),
    );
  });

  it.each([
    ['', 'must not be empty'],
    ['has space', 'printable ASCII'],
    ['é', 'printable ASCII'],
    ['x'.repeat(256), 'at most 255'],
  ])('refuses the header value %j', (key, problem) => {
    expect(idempotencyKeyProblem(key)).toContain(problem);
  });

  it('accepts a UUID header value', () => {
    expect(idempotencyKeyProblem('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBeNull();
  });
});
