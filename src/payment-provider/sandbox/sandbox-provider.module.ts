import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { PAYMENT_PROVIDER } from '../payment-provider.interface';
import { parseSandboxPrices, SandboxCatalog } from './sandbox-catalog';
import { SandboxCheckoutController } from './sandbox-checkout.controller';
import { SandboxCheckoutService } from './sandbox-checkout.service';
import { SandboxClock } from './sandbox-clock';
import { SANDBOX_OPTIONS, SANDBOX_RETRY_DELAYS_MS, type SandboxOptions } from './sandbox.options';
import { SandboxLedger } from './sandbox.ledger';
import { SandboxPaymentProvider } from './sandbox.provider';
import { SandboxSimulatorController } from './sandbox-simulator.controller';
import { SandboxSimulatorService } from './sandbox-simulator.service';
import { SandboxStore } from './sandbox.store';
import { PostgresSandboxStore } from './sandbox-postgres.store';
import { SANDBOX_EVENT_SINK, SandboxWebhookSender } from './sandbox-webhook.sender';
import { PostgresSandboxEventLog, SANDBOX_EVENT_LOG } from './sandbox-event.log';
import { SandboxWebhooksController } from './sandbox-webhooks.controller';

/**
 * The offline provider with its hosted page and simulation routes. Imported
 * only when PAYMENT_PROVIDER=sandbox, so the /sandbox routes exist only then.
 */
/** SANDBOX_OPTIONS from the configuration (SANDBOX_PRICES parsed and checked). */
function sandboxOptions(config: AppConfig): SandboxOptions {
  if (config.nodeEnv === 'production') {
    new Logger(SandboxProviderModule.name).warn(
      'PAYMENT_PROVIDER=sandbox in production: payments are simulated and anyone can "pay" on the sandbox page',
    );
  }
  return {
    prices: parseSandboxPrices(config.sandbox.pricesJson),
    webhookSecret: config.sandbox.webhookSecret,
    publicBaseUrl: config.publicBaseUrl.toString().replace(/\/+$/, ''),
    retryDelaysMs: SANDBOX_RETRY_DELAYS_MS,
  };
}

/**
 * The offline provider. Imported only when the provider is sandbox; its hosted
 * page and simulation routes (the `sandbox` route group, SANDBOX_CONTROLLERS) are
 * mounted by PaymentModule, which is why the services they use are exported.
 */
@Module({})
export class SandboxProviderModule {
  /** SANDBOX_OPTIONS throws ConfigError naming SANDBOX_PRICES when the catalog override is malformed. */
  static forRoot(): DynamicModule {
    return {
      module: SandboxProviderModule,
      providers: [
        { provide: SANDBOX_OPTIONS, inject: [APP_CONFIG], useFactory: sandboxOptions },
        {
          provide: SandboxCatalog,
          inject: [SANDBOX_OPTIONS],
          useFactory: (options: SandboxOptions) => new SandboxCatalog(options.prices),
        },
        // State in PostgreSQL (sandbox_* tables, created here): a restart keeps it.
        PostgresSandboxStore,
        { provide: SandboxStore, useExisting: PostgresSandboxStore },
        SandboxClock,
        SandboxLedger,
        PostgresSandboxEventLog,
        { provide: SANDBOX_EVENT_LOG, useExisting: PostgresSandboxEventLog },
        SandboxWebhookSender,
        { provide: SANDBOX_EVENT_SINK, useExisting: SandboxWebhookSender },
        SandboxPaymentProvider,
        SandboxCheckoutService,
        SandboxSimulatorService,
        { provide: PAYMENT_PROVIDER, useExisting: SandboxPaymentProvider },
      ],
      exports: [
        PAYMENT_PROVIDER,
        SANDBOX_EVENT_LOG,
        SandboxCatalog,
        SandboxCheckoutService,
        SandboxSimulatorService,
      ],
    };
  }
}

/** The sandbox's routes: its hosted checkout page, simulations and webhook log. */
export const SANDBOX_CONTROLLERS = [
  SandboxCheckoutController,
  SandboxSimulatorController,
  SandboxWebhooksController,
];
