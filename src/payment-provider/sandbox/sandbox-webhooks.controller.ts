import { PaymentController } from '../../common/payment-controller.decorator';
import { Body, Get, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../../common/openapi/api-errors.decorator';
import { DropWebhooksDto } from './dto/drop-webhooks.dto';
import { SANDBOX_EVENT_LOG, type SandboxEventLog } from './sandbox-event.log';

@ApiSchema({ name: 'SandboxWebhookDrop' })
export class SandboxWebhookDropResponse {
  @ApiProperty({
    type: 'boolean',
    description: 'whether the sandbox is dropping its webhook deliveries on purpose',
  })
  dropping: boolean;
}

/**
 * The sandbox's switch to lose webhook deliveries on purpose, so that a user can
 * watch reconciliation (`payments reconcile`, RECONCILE_CRON) recover them
 * offline. Dropped events stay in the sandbox's event log, which is what the
 * sandbox lists to reconciliation — as Stripe's Events API lists events whose
 * deliveries failed. Shared by all instances (sandbox_setting).
 */
@ApiTags('sandbox')
@ApiKeyProtected()
@PaymentController('sandbox/webhooks')
export class SandboxWebhooksController {
  constructor(@Inject(SANDBOX_EVENT_LOG) private readonly log: SandboxEventLog) {}

  @ApiOperation({ summary: 'Whether webhook deliveries are being dropped on purpose' })
  @ApiOkResponse({ type: SandboxWebhookDropResponse })
  @Get('drop')
  async status(): Promise<SandboxWebhookDropResponse> {
    return { dropping: await this.log.dropping() };
  }

  @ApiOperation({
    summary:
      'Drop webhook deliveries on purpose (enabled: true) or deliver again (false); dropped events are recovered by reconciliation',
  })
  @ApiOkResponse({ type: SandboxWebhookDropResponse })
  @ApiErrors(400, 415)
  @Post('drop')
  @HttpCode(200)
  async setDrop(@Body() body: DropWebhooksDto): Promise<SandboxWebhookDropResponse> {
    await this.log.setDropping(body.enabled);
    return { dropping: body.enabled };
  }
}
