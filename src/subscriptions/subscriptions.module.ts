import { Module, OnModuleInit } from '@nestjs/common';
import { WebhookHandlerRegistry } from '../webhooks/webhook-handler.registry';

// TEMPORARY shell so the app boots while the feature is being built.
@Module({})
export class SubscriptionsModule implements OnModuleInit {
  constructor(private readonly registry: WebhookHandlerRegistry) {}

  onModuleInit(): void {
    for (const kind of ['subscription.changed', 'subscription.deleted', 'invoice.paid', 'invoice.payment_failed', ] as const) {
      this.registry.register(kind, () => Promise.reject(new Error(`not implemented yet: ${kind}`)));
    }
  }
}
