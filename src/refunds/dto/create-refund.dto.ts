import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsPositive, IsString, Max, MaxLength } from 'class-validator';
import { MAX_REASON_LENGTH } from '../refund-metadata';

export class CreateRefundDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'Minor units; omitted = the whole remaining amount',
    example: 500,
  })
  @IsOptional()
  @IsInt()
  @IsPositive()
  @Max(Number.MAX_SAFE_INTEGER)
  amount?: number;

  @ApiPropertyOptional({
    description:
      'Free text kept on the refund; duplicate, fraudulent and requested_by_customer are also forwarded to the provider',
    example: 'requested_by_customer',
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REASON_LENGTH)
  reason?: string;
}
