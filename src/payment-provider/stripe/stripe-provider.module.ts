import { type DynamicModule, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { PAYMENT_PROVIDER } from '../payment-provider.interface';
import { DEFAULT_STRIPE_CLIENT_TUNING, StripePaymentProvider } from './stripe.provider';

/** Stripe, configured from APP_CONFIG (given to PaymentModule, synchronously or not). */
@Module({})
export class StripeProviderModule {
  static forRoot(): DynamicModule {
    return {
      module: StripeProviderModule,
      providers: [
        {
          provide: PAYMENT_PROVIDER,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => {
            const stripe = config.stripe;
            if (!stripe) throw new Error('PAYMENT_PROVIDER=stripe needs the Stripe configuration');
            return new StripePaymentProvider(stripe, {
              ...DEFAULT_STRIPE_CLIENT_TUNING,
              timeoutMs: stripe.timeoutMs ?? DEFAULT_STRIPE_CLIENT_TUNING.timeoutMs,
            });
          },
        },
      ],
      exports: [PAYMENT_PROVIDER],
    };
  }
}
