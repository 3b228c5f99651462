import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { AppConfig, ProviderName } from '../config/app-config';
import { SandboxProviderModule } from './sandbox/sandbox-provider.module';
import { StripeProviderModule } from './stripe/stripe-provider.module';

/**
 * One line per provider: a module that provides PAYMENT_PROVIDER. Adding a
 * provider is its folder plus a line here (and its name in config).
 */
const PROVIDER_MODULES: Record<ProviderName, (config: AppConfig) => DynamicModule> = {
  stripe: (config) => StripeProviderModule.forRoot(config),
  sandbox: (config) => SandboxProviderModule.forRoot(config),
};

/** Makes the configured PAYMENT_PROVIDER injectable everywhere. */
@Global()
@Module({})
export class PaymentProviderModule {
  static forRoot(config: AppConfig): DynamicModule {
    const providerModule = PROVIDER_MODULES[config.paymentProvider](config);
    return {
      module: PaymentProviderModule,
      imports: [providerModule],
      exports: [providerModule],
    };
  }
}
