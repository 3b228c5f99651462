import type { MetricsService } from '../metrics/metrics.service';
import { ProviderError } from './payment-provider.errors';
import type { PaymentProvider } from './payment-provider.interface';

/** The calls that reach the provider over the network (parseWebhook/interpretEvent are local). */
const PROVIDER_CALLS = [
  'createCheckoutSession',
  'retrievePayment',
  'createRefund',
  'cancelSubscriptionAtPeriodEnd',
  'resumeSubscription',
  'createCustomer',
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
  return new Proxy(provider, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || !isProviderCall(property)) return value;
      const operation = String(property);
      return async (...args: unknown[]): Promise<unknown> => {
        const started = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
        try {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(
            target,
            args,
          );
          metrics.providerCall(target.name, operation, seconds());
          return result;
        } catch (error) {
          const kind = error instanceof ProviderError ? error.kind : 'unknown';
          metrics.providerCall(target.name, operation, seconds(), kind);
          throw error;
        }
      };
    },
  });
}
