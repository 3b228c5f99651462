import type { MetricsService } from '../metrics/metrics.service';
import { ProviderError } from './payment-provider.errors';
import type { PaymentProvider } from './payment-provider.interface';

/** The calls that reach the provider over the network (parseWebhook/interpretEvent are local). */
const PROVIDER_CALLS = [
  'createCheckoutSession',
  'retrievePayment',
  'createRefund',
  'findRefund',
  'findCheckoutSession',
  'cancelSubscriptionAtPeriodEnd',
  'resumeSubscription',
  'createCustomer',
  'listEvents',
  'currentStateEvent',
] as const satisfies readonly (keyof PaymentProvider)[];

const isProviderCall = (name: string | symbol): boolean =>
  (PROVIDER_CALLS as readonly (string | symbol)[]).includes(name);

/**
 * The configured provider with each network call timed and its failures counted
 * (payments_provider_call_*), by operation. Behaviour is unchanged: same results,
 * same errors, everything else passed through.
 */
export function instrumentPaymentProvider(
  provider: PaymentProvider,
  metrics: MetricsService,
): PaymentProvider {
  const wrappers = new Map<string | symbol, unknown>();
  // A method assigned on the instrumented provider (a test's jest.spyOn, a host's patch)
  // replaces the measured one as it is.
  const overrides = new Map<string | symbol, unknown>();
  const measured =
    (operation: string, call: (...args: unknown[]) => Promise<unknown>) =>
    async (...args: unknown[]): Promise<unknown> => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const result = await call.apply(provider, args);
        metrics.providerCall(provider.name, operation, seconds());
        return result;
      } catch (error) {
        const kind = error instanceof ProviderError ? error.kind : 'unknown';
        metrics.providerCall(provider.name, operation, seconds(), kind);
        throw error;
      }
    };
  return new Proxy(provider, {
    get(target, property, receiver) {
      if (overrides.has(property)) return overrides.get(property);
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !isProviderCall(property)) return value;
      if (!wrappers.has(property))
        wrappers.set(
          property,
          measured(String(property), value as (...args: unknown[]) => Promise<unknown>),
        );
      return wrappers.get(property);
    },
    set(target, property, value: unknown) {
      if (!isProviderCall(property)) return Reflect.set(target, property, value);
      overrides.set(property, value);
      return true;
    },
    deleteProperty(target, property) {
      // Undoing an override (jest's mockRestore deletes what it assigned) brings the measured call back.
      if (overrides.delete(property)) return true;
      return Reflect.deleteProperty(target, property);
    },
  });
}
