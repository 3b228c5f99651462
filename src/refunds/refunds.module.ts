import { Module, OnModuleInit } from '@nestjs/common';
import { WebhookHandlerRegistry } from '../webhooks/webhook-handler.registry';

// TEMPORARY shell so the app boots while the feature is being built.
@Module({})
export class RefundsModule implements OnModuleInit {
  constructor(private readonly registry: WebhookHandlerRegistry) {}

  onModuleInit(): void {
    for (const kind of ['charge.refunded', 'refund.changed', ] as const) {
      this.registry.register(kind, () => Promise.reject(new Error(`not implemented yet: ${kind}`)));
    }
  }
}
