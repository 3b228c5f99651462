import { ConfigError } from '../../config/app-config';
import { ProviderError } from '../payment-provider.errors';
import type { SandboxPrice } from './sandbox-objects.types';

/** The bundled catalog: what `npm start` offers with no configuration. */
export const DEFAULT_SANDBOX_PRICES: readonly SandboxPrice[] = [
  {
    id: 'price_sandbox_onetime',
    amount: 2900,
    currency: 'usd',
    name: 'Premium eBook',
    interval: null,
  },
  {
    id: 'price_sandbox_monthly',
    amount: 900,
    currency: 'usd',
    name: 'Pro Monthly',
    interval: 'month',
  },
  {
    id: 'price_sandbox_yearly',
    amount: 9000,
    currency: 'usd',
    name: 'Pro Yearly',
    interval: 'year',
  },
];

const VARIABLE = 'SANDBOX_PRICES';
const SHAPE = 'a JSON array of {id, amount, currency, name, interval?: "month" | "year" | null}';
const KNOWN_KEYS = new Set(['id', 'amount', 'currency', 'name', 'interval']);

/**
 * Parses SANDBOX_PRICES (undefined → the bundled catalog). Strict on purpose: a
 * typo such as `"amout"` fails the boot with a message naming the variable
 * instead of silently selling something for nothing.
 * @throws ConfigError listing every problem
 */
export function parseSandboxPrices(json: string | undefined): SandboxPrice[] {
  if (json === undefined) return DEFAULT_SANDBOX_PRICES.map((price) => ({ ...price }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ConfigError([
      `${VARIABLE} is not valid JSON (${(error as Error).message}); expected ${SHAPE}`,
    ]);
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new ConfigError([
      `${VARIABLE} must be a non-empty JSON array of prices; expected ${SHAPE}`,
    ]);
  }
  const problems: string[] = [];
  const prices: SandboxPrice[] = [];
  const seen = new Set<string>();
  parsed.forEach((entry: unknown, index) => {
    const where = `${VARIABLE}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where} must be an object; expected ${SHAPE}`);
      return;
    }
    const item = entry as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(item)) {
      if (!KNOWN_KEYS.has(key))
        problems.push(`${where} has an unknown field "${key}"; expected ${SHAPE}`);
    }
    const { id, amount, currency, name, interval } = item;
    if (typeof id !== 'string' || !/^\S{1,255}$/.test(id)) {
      problems.push(`${where}.id must be a non-empty string without spaces`);
    } else if (seen.has(id)) {
      problems.push(`${where}.id "${id}" appears twice`);
    }
    if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) {
      problems.push(`${where}.amount must be a positive integer in minor units (2900 = 29.00)`);
    }
    if (typeof currency !== 'string' || !/^[a-zA-Z]{3}$/.test(currency)) {
      problems.push(`${where}.currency must be a 3-letter ISO code such as "usd"`);
    }
    if (typeof name !== 'string' || name.trim() === '') {
      problems.push(`${where}.name must be a non-empty string`);
    }
    if (
      interval !== undefined &&
      interval !== null &&
      interval !== 'month' &&
      interval !== 'year'
    ) {
      problems.push(`${where}.interval must be "month", "year" or null (one-off)`);
    }
    if (problems.length > before) return;
    seen.add(id as string);
    prices.push({
      id: id as string,
      amount: amount as number,
      currency: (currency as string).toLowerCase(),
      name: (name as string).trim(),
      interval: (interval as SandboxPrice['interval'] | undefined) ?? null,
    });
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return prices;
}

/** The sandbox's prices, looked up the way a provider would answer. */
export class SandboxCatalog {
  private readonly byId: Map<string, SandboxPrice>;

  constructor(prices: readonly SandboxPrice[]) {
    this.byId = new Map(prices.map((price) => [price.id, price]));
  }

  list(): SandboxPrice[] {
    return [...this.byId.values()].map((price) => ({ ...price }));
  }

  /** @throws ProviderError invalid_request for an unknown price, with Stripe's wording */
  get(priceId: string): SandboxPrice {
    const price = this.byId.get(priceId);
    if (!price)
      throw new ProviderError('invalid_request', `No such price: '${priceId}'`, 'resource_missing');
    return { ...price };
  }

  /** @throws ProviderError invalid_request when the price does not fit the mode, with Stripe's wording */
  priceForMode(priceId: string, mode: 'payment' | 'subscription'): SandboxPrice {
    const price = this.get(priceId);
    if (mode === 'payment' && price.interval !== null) {
      throw new ProviderError(
        'invalid_request',
        "You specified 'payment' mode but passed a recurring price.",
      );
    }
    if (mode === 'subscription' && price.interval === null) {
      throw new ProviderError(
        'invalid_request',
        'You must provide at least one recurring price in `subscription` mode when using prices.',
      );
    }
    return price;
  }
}
