import { type DynamicModule, Logger, Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config';
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
@Module({})
export class SandboxProviderModule {
  /** @throws ConfigError naming SANDBOX_PRICES when the catalog override is malformed */
  static forRoot(config: AppConfig): DynamicModule {
    const options: SandboxOptions = {
      prices: parseSandboxPrices(config.sandbox.pricesJson),
      webhookSecret: config.sandbox.webhookSecret,
      publicBaseUrl: config.publicBaseUrl.toString().replace(/\/+$/, ''),
      retryDelaysMs: SANDBOX_RETRY_DELAYS_MS,
    };
    if (config.nodeEnv === 'production') {
      new Logger(SandboxProviderModule.name).warn(
        'PAYMENT_PROVIDER=sandbox in production: payments are simulated and anyone can "pay" on the sandbox page',
      );
    }
    return {
      module: SandboxProviderModule,
      controllers: [
        SandboxCheckoutController,
        SandboxSimulatorController,
        SandboxWebhooksController,
      ],
      providers: [
        { provide: SANDBOX_OPTIONS, useValue: options },
        { provide: SandboxCatalog, useValue: new SandboxCatalog(options.prices) },
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
      exports: [PAYMENT_PROVIDER],
    };
  }
}
