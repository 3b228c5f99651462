import { type DynamicModule, Global, Module, type Provider } from '@nestjs/common';
import type { ProviderName } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { instrumentPaymentProvider } from './instrumented-payment-provider';
import { PAYMENT_PROVIDER, type PaymentProvider } from './payment-provider.interface';
import { SandboxProviderModule } from './sandbox/sandbox-provider.module';
import { StripeProviderModule } from './stripe/stripe-provider.module';

/**
 * One line per provider: a module that provides PAYMENT_PROVIDER. Adding a
 * provider is its folder plus a line here (and its name in config).
 */
const PROVIDER_MODULES: Record<ProviderName, () => DynamicModule> = {
  stripe: () => StripeProviderModule.forRoot(),
  sandbox: () => SandboxProviderModule.forRoot(),
};

/** The provider module's own implementation, before instrumentation. */
const PAYMENT_PROVIDER_IMPLEMENTATION = Symbol('PAYMENT_PROVIDER_IMPLEMENTATION');

/**
 * Renames the provider module's PAYMENT_PROVIDER to PAYMENT_PROVIDER_IMPLEMENTATION
 * so that the PAYMENT_PROVIDER the features inject can be the instrumented one
 * (provider modules stay unaware of metrics).
 */
function exposingImplementation(module: DynamicModule): DynamicModule {
  const rename = (provider: Provider): Provider =>
    typeof provider === 'object' && 'provide' in provider && provider.provide === PAYMENT_PROVIDER
      ? { ...provider, provide: PAYMENT_PROVIDER_IMPLEMENTATION }
      : provider;
  return {
    ...module,
    providers: (module.providers ?? []).map(rename),
    exports: (module.exports ?? []).map((token) =>
      token === PAYMENT_PROVIDER ? PAYMENT_PROVIDER_IMPLEMENTATION : token,
    ),
  };
}

/** Makes the configured PAYMENT_PROVIDER injectable everywhere, its calls measured (metrics/). */
@Global()
@Module({})
export class PaymentProviderModule {
  /** `provider` decides which module (and routes) exist; its settings come from APP_CONFIG. */
  static forRoot(provider: ProviderName): DynamicModule {
    const providerModule = exposingImplementation(PROVIDER_MODULES[provider]());
    return {
      module: PaymentProviderModule,
      imports: [providerModule],
      providers: [
        {
          provide: PAYMENT_PROVIDER,
          useFactory: (implementation: PaymentProvider, metrics: MetricsService) =>
            instrumentPaymentProvider(implementation, metrics),
          inject: [PAYMENT_PROVIDER_IMPLEMENTATION, MetricsService],
        },
      ],
      // The provider module's other exports (the sandbox's services its routes use).
      exports: [PAYMENT_PROVIDER, providerModule],
    };
  }
}
