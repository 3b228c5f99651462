import { Module, type OnModuleInit } from '@nestjs/common';
import { WebhookHandlerRegistry } from '../webhooks/webhook-handler.registry';
import { DisputeDeadlineJob } from './dispute-deadline.job';
import { DisputeLinkListener } from './dispute-link.listener';
import { DisputeLinker } from './dispute-linker.service';
import { DisputeWebhookHandler } from './dispute-webhook.handler';
import { DisputesService } from './disputes.service';

/** Chargebacks, inquiries and early fraud warnings (DESIGN §6.4), and the evidence-deadline job. */
@Module({
  providers: [
    DisputesService,
    DisputeWebhookHandler,
    DisputeLinker,
    DisputeLinkListener,
    DisputeDeadlineJob,
  ],
  exports: [DisputesService, DisputeDeadlineJob],
})
export class DisputesModule implements OnModuleInit {
  constructor(
    private readonly registry: WebhookHandlerRegistry,
    private readonly handler: DisputeWebhookHandler,
  ) {}

  onModuleInit(): void {
    this.registry.register('dispute.changed', (change, ctx) =>
      this.handler.onDisputeChanged(change, ctx),
    );
    this.registry.register('fraud_warning.changed', (change, ctx) =>
      this.handler.onFraudWarningChanged(change, ctx),
    );
  }
}
