import { ConfigError } from '../../config/app-config';
import { ProviderError } from '../payment-provider.errors';
import { DEFAULT_SANDBOX_PRICES, parseSandboxPrices, SandboxCatalog } from './sandbox-catalog';

const problemsOf = (json: string): string[] => {
  try {
    parseSandboxPrices(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('parseSandboxPrices', () => {
  it('offers the bundled one-off and monthly prices when SANDBOX_PRICES is unset', () => {
    const prices = parseSandboxPrices(undefined);
    expect(prices).toEqual(DEFAULT_SANDBOX_PRICES);
    expect(prices).toContainEqual({
      id: 'price_sandbox_onetime',
      amount: 2900,
      currency: 'usd',
      name: 'Premium eBook',
      interval: null,
    });
    expect(prices).toContainEqual({
      id: 'price_sandbox_monthly',
      amount: 900,
      currency: 'usd',
      name: 'Pro Monthly',
      interval: 'month',
    });
  });

  it('replaces the catalog with SANDBOX_PRICES, lowercasing currencies and defaulting interval to one-off', () => {
    const prices = parseSandboxPrices(
      JSON.stringify([
        { id: 'price_a', amount: 500, currency: 'EUR', name: 'Sticker' },
        { id: 'price_b', amount: 12000, currency: 'jpy', name: 'Club', interval: 'year' },
        { id: 'price_c', amount: 100, currency: 'usd', name: 'Tip', interval: null },
      ]),
    );
    expect(prices).toEqual([
      { id: 'price_a', amount: 500, currency: 'eur', name: 'Sticker', interval: null },
      { id: 'price_b', amount: 12000, currency: 'jpy', name: 'Club', interval: 'year' },
      { id: 'price_c', amount: 100, currency: 'usd', name: 'Tip', interval: null },
    ]);
  });

  it.each([
    ['not JSON', '[{id:', /SANDBOX_PRICES is not valid JSON/],
    ['not an array', '{"id":"x"}', /SANDBOX_PRICES must be a non-empty JSON array/],
    ['an empty array', '[]', /SANDBOX_PRICES must be a non-empty JSON array/],
    ['an entry that is not an object', '["price_a"]', /SANDBOX_PRICES\[0\] must be an object/],
    ['a missing id', '[{"amount":1,"currency":"usd","name":"A"}]', /SANDBOX_PRICES\[0\]\.id/],
    [
      'a fractional amount',
      '[{"id":"p","amount":9.99,"currency":"usd","name":"A"}]',
      /SANDBOX_PRICES\[0\]\.amount must be a positive integer/,
    ],
    [
      'a zero amount',
      '[{"id":"p","amount":0,"currency":"usd","name":"A"}]',
      /\.amount must be a positive integer/,
    ],
    [
      'a bad currency',
      '[{"id":"p","amount":1,"currency":"dollars","name":"A"}]',
      /\.currency must be a 3-letter ISO code/,
    ],
    [
      'an empty name',
      '[{"id":"p","amount":1,"currency":"usd","name":" "}]',
      /\.name must be a non-empty string/,
    ],
    [
      'a bad interval',
      '[{"id":"p","amount":1,"currency":"usd","name":"A","interval":"week"}]',
      /\.interval must be "month", "year" or null/,
    ],
    [
      'a misspelt field',
      '[{"id":"p","amout":1,"amount":1,"currency":"usd","name":"A"}]',
      /unknown field "amout"/,
    ],
    [
      'a duplicate id',
      '[{"id":"p","amount":1,"currency":"usd","name":"A"},{"id":"p","amount":2,"currency":"usd","name":"B"}]',
      /SANDBOX_PRICES\[1\]\.id "p" appears twice/,
    ],
  ])('fails the boot naming SANDBOX_PRICES for %s', (_case, json, pattern) => {
    const problems = problemsOf(json);
    expect(problems.join('\n')).toMatch(pattern);
    expect(problems.every((problem) => problem.startsWith('SANDBOX_PRICES'))).toBe(true);
  });

  it('lists every problem of every entry at once', () => {
    const problems = problemsOf(
      '[{"id":"a","amount":-1,"currency":"usd","name":"A"},{"id":"b","amount":1,"currency":"x","name":""}]',
    );
    expect(problems).toHaveLength(3);
  });
});

describe('SandboxCatalog', () => {
  const catalog = new SandboxCatalog(DEFAULT_SANDBOX_PRICES);

  it('answers an unknown price with Stripe\'s "No such price" as invalid_request', () => {
    expect(() => catalog.get('price_nope')).toThrow(
      new ProviderError('invalid_request', "No such price: 'price_nope'"),
    );
    try {
      catalog.get('price_nope');
    } catch (error) {
      expect((error as ProviderError).kind).toBe('invalid_request');
      expect((error as ProviderError).code).toBe('provider_invalid_request');
    }
  });

  it.each([
    [
      'payment',
      'price_sandbox_monthly',
      "You specified 'payment' mode but passed a recurring price.",
    ],
    [
      'subscription',
      'price_sandbox_onetime',
      'You must provide at least one recurring price in `subscription` mode when using prices.',
    ],
  ] as const)("refuses %s mode with %s in Stripe's words", (mode, priceId, message) => {
    expect(() => catalog.priceForMode(priceId, mode)).toThrow(message);
  });

  it.each([
    ['payment', 'price_sandbox_onetime'],
    ['subscription', 'price_sandbox_monthly'],
    ['subscription', 'price_sandbox_yearly'],
  ] as const)('accepts %s mode with %s', (mode, priceId) => {
    expect(catalog.priceForMode(priceId, mode).id).toBe(priceId);
  });
});
