import { Global, Module } from '@nestjs/common';
import { WebhookHandlerRegistry } from './webhook-handler.registry';
import { WebhooksService } from './webhooks.service';

/** The inbox and the handler registry; feature modules register into the registry. */
@Global()
@Module({
  providers: [WebhookHandlerRegistry, WebhooksService],
  exports: [WebhookHandlerRegistry, WebhooksService],
})
export class WebhooksModule {}
