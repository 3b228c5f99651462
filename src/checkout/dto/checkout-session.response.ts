import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  allValues,
  ApiDateTime,
  ApiInteger,
  ApiNullableDateTime,
  ApiNullableInteger,
  ApiNullableString,
  ApiString,
  ApiStringMap,
} from '../../common/openapi/api-fields';
import type {
  CheckoutSessionResource,
  CreatedCheckoutResource,
} from '../checkout-session.resource';
import type { PublicCheckoutStatus } from '../checkout.service';
import type { CheckoutMode, CheckoutStatus } from '../entities/checkout-session.entity';
import { CHECKOUT_MODES } from './create-checkout.dto';

export const CHECKOUT_STATUSES = allValues<CheckoutStatus>()('open', 'complete', 'expired');
export const PUBLIC_CHECKOUT_STATUSES = allValues<PublicCheckoutStatus['status']>()(
  'processing',
  'confirmed',
  'failed',
  'expired',
);

/** POST /checkout answers where to send the buyer. */
@ApiSchema({ name: 'CreatedCheckout' })
export class CreatedCheckoutResponse implements CreatedCheckoutResource {
  @ApiString({
    example: 'cs_test_a1',
    description: "the provider's session id: how it is addressed",
  })
  session_id: string;

  @ApiNullableString({
    example: 'https://checkout.stripe.com/c/pay/cs_test_a1',
    description: 'the hosted checkout page to redirect the buyer to',
  })
  checkout_url: string | null;

  @ApiNullableDateTime()
  expires_at: string | null;
}

/** A checkout session and what it produced (DESIGN §6.0); see toCheckoutSessionResource. */
@ApiSchema({ name: 'CheckoutSession' })
export class CheckoutSessionResponse implements CheckoutSessionResource {
  @ApiString({ example: 'cs_test_a1' })
  session_id: string;

  @ApiProperty({ enum: CHECKOUT_STATUSES, enumName: 'CheckoutStatus', example: 'complete' })
  status: CheckoutStatus;

  @ApiNullableString({
    example: 'paid',
    description: "the provider's: paid | unpaid | no_payment_required",
  })
  payment_status: string | null;

  @ApiProperty({ enum: CHECKOUT_MODES, enumName: 'CheckoutMode', example: 'payment' })
  mode: CheckoutMode;

  @ApiNullableString({ example: 'https://checkout.stripe.com/c/pay/cs_test_a1' })
  checkout_url: string | null;

  @ApiNullableDateTime()
  expires_at: string | null;

  @ApiNullableInteger({ example: 42, description: 'our charge id (payment mode), once known' })
  transaction_id: number | null;

  @ApiNullableInteger({
    example: null,
    description: 'our subscription id (subscription mode), once known',
  })
  subscription_id: number | null;

  @ApiNullableString({ example: 'user-42' })
  customer_ref: string | null;

  @ApiString({ example: 'price_sandbox_onetime' })
  price_id: string;

  @ApiInteger({ example: 1 })
  quantity: number;

  @ApiNullableInteger({ example: 2900, description: 'minor units' })
  amount_total: number | null;

  @ApiNullableString({ example: 'usd' })
  currency: string | null;

  @ApiStringMap()
  metadata: Record<string, string>;

  @ApiString({ example: 'stripe' })
  provider: string;

  @ApiNullableString({ example: 'pi_3Pabc' })
  provider_payment_intent_id: string | null;

  @ApiNullableString({ example: null })
  provider_subscription_id: string | null;

  @ApiDateTime()
  created_at: string;

  @ApiDateTime()
  updated_at: string;
}

/** What the bundled success page polls: no ids of ours, nothing about the customer. */
@ApiSchema({ name: 'PublicCheckoutStatus' })
export class PublicCheckoutStatusResponse implements PublicCheckoutStatus {
  @ApiProperty({
    enum: PUBLIC_CHECKOUT_STATUSES,
    enumName: 'PublicCheckoutState',
    example: 'confirmed',
    description: 'processing until a webhook confirmed the payment',
  })
  status: PublicCheckoutStatus['status'];

  @ApiNullableInteger({ example: 2900 })
  amount: number | null;

  @ApiNullableString({ example: 'usd' })
  currency: string | null;

  @ApiNullableString({
    example: 'pi_3Pabc',
    description:
      "a confirmation reference for the buyer (the provider's payment or subscription id)",
  })
  reference: string | null;
}
