import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
import { PAYMENT_PROVIDER } from '../payment-provider.interface';
import { DEFAULT_STRIPE_CLIENT_TUNING, StripePaymentProvider } from './stripe.provider';

@Module({})
export class StripeProviderModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.stripe) throw new Error('PAYMENT_PROVIDER=stripe needs the Stripe configuration');
    const stripe = config.stripe;
    return {
      module: StripeProviderModule,
      providers: [
        {
          provide: PAYMENT_PROVIDER,
          useFactory: () =>
            new StripePaymentProvider(stripe, {
              ...DEFAULT_STRIPE_CLIENT_TUNING,
              timeoutMs: stripe.timeoutMs ?? DEFAULT_STRIPE_CLIENT_TUNING.timeoutMs,
            }),
        },
      ],
      exports: [PAYMENT_PROVIDER],
    };
  }
}
