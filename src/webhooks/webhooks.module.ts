import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { WebhookEventEntity } from './entities/webhook-event.entity';
import { WebhookHandlerRegistry } from './webhook-handler.registry';
import { WebhooksService } from './webhooks.service';

/** The inbox and the handler registry; feature modules register into the registry. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEventEntity])],
  providers: [WebhookHandlerRegistry, WebhooksService],
  exports: [WebhookHandlerRegistry, WebhooksService],
})
export class WebhooksModule {}
