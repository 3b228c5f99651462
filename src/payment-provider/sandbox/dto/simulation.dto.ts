import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional, ApiProperty } from '@nestjs/swagger';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { NullIsAValue } from '../../../common/input-safety.pipe';
import { PROVIDER_REFUND_REASONS, type ProviderRefundReason } from '../../payment-provider.types';
import {
  CLOSED_DISPUTE_STATUSES,
  DISPUTE_REASONS,
  FRAUD_TYPES,
  MAX_CLOCK_SECONDS,
  MAX_HOURS,
  OPEN_DISPUTE_STATUSES,
} from '../sandbox-simulation.input';

/*
 * Bodies of the sandbox's tool routes, validated like every other route's
 * (unknown fields are a 400 naming them). Defaults and the rules that span
 * fields live in sandbox-simulation.input.ts.
 */

const oneOf = (values: readonly string[]) => ({
  message: `$property must be one of ${values.join(', ')}`,
});

/** Hours from now until the evidence is due: null means no deadline, negative a deadline passed. */
const DueInHours = (options: { default?: number } = {}): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      type: 'number',
      nullable: true,
      ...options,
      description: 'hours from now; null: no deadline; negative: already passed',
    }),
    NullIsAValue(),
    IsOptional(),
    IsNumber({ allowNaN: false, allowInfinity: false }),
    Min(-MAX_HOURS),
    Max(MAX_HOURS),
  );

/** Which payment a simulation is about: exactly one of the two ids. */
export class PaymentTargetDto {
  @ApiPropertyOptional({ example: 'pi_sbx_…' })
  @IsOptional()
  @IsString()
  @Matches(/^pi_/, { message: 'payment_intent_id must be a string starting with pi_' })
  payment_intent_id?: string;

  @ApiPropertyOptional({ example: 'ch_sbx_…', description: 'instead of payment_intent_id' })
  @IsOptional()
  @IsString()
  @Matches(/^ch_/, { message: 'charge_id must be a string starting with ch_' })
  charge_id?: string;
}

export class SimulateDisputeDto extends PaymentTargetDto {
  @ApiPropertyOptional({ enum: DISPUTE_REASONS, default: 'fraudulent' })
  @IsOptional()
  @IsIn(DISPUTE_REASONS, oneOf(DISPUTE_REASONS))
  reason?: (typeof DISPUTE_REASONS)[number];

  @DueInHours({ default: 168 })
  due_in_hours?: number | null;

  @ApiPropertyOptional({ enum: OPEN_DISPUTE_STATUSES, default: 'needs_response' })
  @IsOptional()
  @IsIn(OPEN_DISPUTE_STATUSES, oneOf(OPEN_DISPUTE_STATUSES))
  status?: (typeof OPEN_DISPUTE_STATUSES)[number];
}

export class UpdateDisputeDto {
  @ApiPropertyOptional({ enum: OPEN_DISPUTE_STATUSES })
  @IsOptional()
  @IsIn(OPEN_DISPUTE_STATUSES, oneOf(OPEN_DISPUTE_STATUSES))
  status?: (typeof OPEN_DISPUTE_STATUSES)[number];

  @ApiPropertyOptional({ enum: DISPUTE_REASONS })
  @IsOptional()
  @IsIn(DISPUTE_REASONS, oneOf(DISPUTE_REASONS))
  reason?: (typeof DISPUTE_REASONS)[number];

  @DueInHours()
  due_in_hours?: number | null;
}

export class CloseDisputeDto {
  @ApiProperty({ enum: CLOSED_DISPUTE_STATUSES })
  @IsDefined({ message: `status is required: one of ${CLOSED_DISPUTE_STATUSES.join(', ')}` })
  @IsIn(CLOSED_DISPUTE_STATUSES, oneOf(CLOSED_DISPUTE_STATUSES))
  status: (typeof CLOSED_DISPUTE_STATUSES)[number];
}

export class SimulateFraudWarningDto extends PaymentTargetDto {
  @ApiPropertyOptional({ enum: FRAUD_TYPES, default: 'made_with_stolen_card' })
  @IsOptional()
  @IsIn(FRAUD_TYPES, oneOf(FRAUD_TYPES))
  fraud_type?: (typeof FRAUD_TYPES)[number];
}

export class SimulateRefundDto extends PaymentTargetDto {
  @ApiPropertyOptional({ type: 'integer', description: 'minor units; default: what remains' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;

  @ApiPropertyOptional({ enum: PROVIDER_REFUND_REASONS })
  @IsOptional()
  @IsIn(PROVIDER_REFUND_REASONS, oneOf(PROVIDER_REFUND_REASONS))
  reason?: ProviderRefundReason;
}

export class AdvanceClockDto {
  @ApiProperty({ type: 'integer', example: 2678400, description: 'seconds to move forward' })
  @IsInt({
    message: 'seconds is required: a whole number of seconds to move the sandbox clock forward',
  })
  @Min(1)
  @Max(MAX_CLOCK_SECONDS)
  seconds: number;
}
