import { MAX_CUSTOMER_REF_LENGTH } from '../../customers/customer-ref';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_REDIRECT_URL_LENGTH } from '../redirect-policy';

export const CHECKOUT_MODES = ['payment', 'subscription'] as const;

/** POST /api/v1/payment/checkout (DESIGN §6.2). Cross-field rules are checked by the service. */
export class CreateCheckoutDto {
  @ApiProperty({ example: 'price_sandbox_onetime', description: "The provider's price id" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  price_id: string;

  @ApiProperty({
    enum: CHECKOUT_MODES,
    description: 'must match the price: one-off → payment, recurring → subscription',
  })
  @IsIn(CHECKOUT_MODES, { message: 'mode must be one of: payment, subscription' })
  mode: (typeof CHECKOUT_MODES)[number];

  @ApiPropertyOptional({
    type: 'integer',
    example: 1,
    description: 'default 1; must be 1 in subscription mode',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(999_999)
  quantity?: number;

  @ApiPropertyOptional({
    description:
      'root-relative path or URL on an allowed host; may contain {CHECKOUT_SESSION_ID}. Default PAYMENT_SUCCESS_URL',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REDIRECT_URL_LENGTH)
  success_url?: string;

  @ApiPropertyOptional({
    description: 'root-relative path or URL on an allowed host. Default PAYMENT_CANCEL_URL',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_REDIRECT_URL_LENGTH)
  cancel_url?: string;

  @ApiPropertyOptional({
    description: "The app's user id: reuses (or creates) that user's provider customer",
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_CUSTOMER_REF_LENGTH)
  customer_ref?: string;

  @ApiPropertyOptional({ description: 'prefills the email on the checkout page' })
  @IsOptional()
  @IsEmail()
  @MaxLength(320)
  customer_email?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'string values only; at most 20 keys, keys ≤ 40 characters, values ≤ 500',
  })
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown>;
}
