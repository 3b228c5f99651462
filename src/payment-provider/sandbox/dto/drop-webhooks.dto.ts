import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';

/** POST /sandbox/webhooks/drop */
export class DropWebhooksDto {
  @ApiProperty({
    type: 'boolean',
    example: true,
    description:
      'true: stop delivering webhook events (they are still logged, and listed for reconciliation); false: deliver again',
  })
  @IsBoolean({ message: 'enabled is required: true or false' })
  enabled: boolean;
}
