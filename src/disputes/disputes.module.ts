import { Module, OnModuleInit } from '@nestjs/common';
import { WebhookHandlerRegistry } from '../webhooks/webhook-handler.registry';

// TEMPORARY shell so the app boots while the feature is being built.
@Module({})
export class DisputesModule implements OnModuleInit {
  constructor(private readonly registry: WebhookHandlerRegistry) {}

  onModuleInit(): void {
    for (const kind of ['dispute.changed', 'fraud_warning.changed', ] as const) {
      this.registry.register(kind, () => Promise.reject(new Error(`not implemented yet: ${kind}`)));
    }
  }
}
