import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type { SandboxPrice } from './sandbox-objects.types';
import type { ClockAdvanceResult } from './sandbox-simulator.service';
import type { DeliveryReport } from './sandbox-webhook.sender';

/** Response schemas of the sandbox-only routes (the provider's objects stay loosely typed). */

const providerObject = (description: string) =>
  ApiProperty({ type: 'object', additionalProperties: true, description });

@ApiSchema({ name: 'SandboxPrice' })
export class SandboxPriceResponse implements SandboxPrice {
  @ApiProperty({ type: 'string', example: 'price_sandbox_onetime' })
  id: string;

  @ApiProperty({ type: 'integer', example: 2900, description: 'minor units per unit' })
  amount: number;

  @ApiProperty({ type: 'string', example: 'usd' })
  currency: string;

  @ApiProperty({ type: 'string', example: 'Sandbox one-off' })
  name: string;

  @ApiProperty({
    type: 'string',
    enum: ['month', 'year'],
    nullable: true,
    example: null,
    description: 'null: a one-off price (payment mode); otherwise recurring (subscription mode)',
  })
  interval: SandboxPrice['interval'];
}

@ApiSchema({ name: 'SandboxPriceList' })
export class SandboxPriceListResponse {
  @ApiProperty({ type: [SandboxPriceResponse] })
  prices: SandboxPriceResponse[];
}

@ApiSchema({
  name: 'SandboxDeliveryReport',
  description: 'One webhook event the sandbox delivered',
})
export class SandboxDeliveryReportResponse implements DeliveryReport {
  @ApiProperty({ type: 'string', example: 'evt_sbx_1' })
  id: string;

  @ApiProperty({ type: 'string', example: 'charge.dispute.created' })
  type: DeliveryReport['type'];

  @ApiProperty({ type: 'boolean' })
  delivered: boolean;

  @ApiProperty({
    type: 'boolean',
    required: false,
    description:
      'true when the event was not sent because POST /sandbox/webhooks/drop is on (it stays in the event log for reconciliation)',
  })
  dropped?: boolean;

  @ApiProperty({ type: 'integer', example: 1 })
  attempts: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 200,
    description: "the webhook route's last HTTP status; null when it could not be reached",
  })
  status: number | null;
}

class WithEvents {
  @ApiProperty({ type: [SandboxDeliveryReportResponse] })
  events: SandboxDeliveryReportResponse[];
}

@ApiSchema({ name: 'SandboxDisputeResult' })
export class SandboxDisputeResultResponse extends WithEvents {
  @providerObject('the Stripe-shaped dispute')
  dispute: Record<string, unknown>;
}

@ApiSchema({ name: 'SandboxFraudWarningResult' })
export class SandboxFraudWarningResultResponse extends WithEvents {
  @providerObject('the Stripe-shaped early fraud warning')
  early_fraud_warning: Record<string, unknown>;
}

@ApiSchema({ name: 'SandboxRefundResult' })
export class SandboxRefundResultResponse extends WithEvents {
  @providerObject('the Stripe-shaped refund')
  refund: Record<string, unknown>;
}

@ApiSchema({ name: 'SandboxSessionResult' })
export class SandboxSessionResultResponse extends WithEvents {
  @providerObject('the Stripe-shaped checkout session')
  session: Record<string, unknown>;
}

@ApiSchema({ name: 'SandboxClock' })
export class SandboxClockResponse {
  @ApiProperty({ type: 'string', format: 'date-time' })
  now: string;

  @ApiProperty({ type: 'integer', example: 1769860800 })
  now_unix: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'how far the clock was advanced' })
  offset_seconds: number;
}

class SandboxRenewal {
  @ApiProperty({ type: 'string', example: 'sub_sbx_1' })
  subscription: string;

  @ApiProperty({ type: 'string', example: 'in_sbx_1' })
  invoice: string;

  @ApiProperty({ type: 'integer' })
  period_end: number;
}

@ApiSchema({ name: 'SandboxClockAdvance' })
export class SandboxClockAdvanceResponse
  extends SandboxClockResponse
  implements ClockAdvanceResult
{
  @ApiProperty({ type: [SandboxRenewal] })
  renewed: SandboxRenewal[];

  @ApiProperty({ type: [String], description: 'subscriptions that ended' })
  ended: string[];

  @ApiProperty({ type: [String], description: 'checkout sessions that expired' })
  expired_sessions: string[];

  @ApiProperty({ type: [SandboxDeliveryReportResponse] })
  events: SandboxDeliveryReportResponse[];
}
