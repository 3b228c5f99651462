import { Module, OnModuleInit } from '@nestjs/common';
import { WebhookHandlerRegistry } from '../webhooks/webhook-handler.registry';

// TEMPORARY shell so the app boots while the feature is being built.
@Module({})
export class CheckoutModule implements OnModuleInit {
  constructor(private readonly registry: WebhookHandlerRegistry) {}

  onModuleInit(): void {
    for (const kind of ['checkout.completed', 'checkout.expired', 'checkout.async_payment_succeeded', 'checkout.async_payment_failed', 'payment.succeeded', 'payment.failed', ] as const) {
      this.registry.register(kind, () => Promise.reject(new Error(`not implemented yet: ${kind}`)));
    }
  }
}
