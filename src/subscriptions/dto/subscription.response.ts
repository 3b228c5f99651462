import { ListEnvelopeResponse } from '../../common/openapi/list-envelope.response';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  ApiBoolean,
  ApiDateTime,
  ApiInteger,
  ApiNullableDateTime,
  ApiNullableString,
  ApiString,
  ApiStringMap,
} from '../../common/openapi/api-fields';
import {
  SUBSCRIPTION_STATUSES,
  type PendingSubscriptionChange,
  type SubscriptionStatus,
} from '../entities/subscription.entity';
import type { SubscriptionResource } from '../subscription.resource';

/** A subscription as the API answers it (DESIGN §6.0); see toSubscriptionResource. */
@ApiSchema({ name: 'Subscription' })
export class SubscriptionResponse implements SubscriptionResource {
  @ApiInteger({ example: 7 })
  id: number;

  @ApiProperty({ enum: SUBSCRIPTION_STATUSES, enumName: 'SubscriptionStatus', example: 'active' })
  status: SubscriptionStatus;

  @ApiNullableString({ example: 'price_sandbox_monthly' })
  price_id: string | null;

  @ApiNullableString({ example: 'Pro monthly' })
  plan_name: string | null;

  @ApiInteger({ example: 1 })
  quantity: number;

  @ApiNullableString({ example: 'user-42', description: "the app's user id, when known" })
  customer_ref: string | null;

  @ApiString({ example: 'stripe' })
  provider: string;

  @ApiString({ example: 'sub_1Pabc' })
  provider_subscription_id: string;

  @ApiNullableString({ example: 'cus_Pabc' })
  provider_customer_id: string | null;

  @ApiNullableDateTime()
  current_period_start: string | null;

  @ApiNullableDateTime({
    description: 'with cancel_at_period_end, the day access ends',
  })
  current_period_end: string | null;

  @ApiBoolean({ example: false })
  cancel_at_period_end: boolean;

  @ApiNullableDateTime({ example: null })
  cancel_at: string | null;

  @ApiNullableDateTime({ example: null })
  canceled_at: string | null;

  @ApiNullableDateTime({ example: null })
  ended_at: string | null;

  @ApiNullableDateTime({ example: null })
  trial_end: string | null;

  @ApiStringMap()
  metadata: Record<string, string>;

  @ApiProperty({
    enum: ['cancel_at_period_end', 'resume'],
    enumName: 'PendingSubscriptionChange',
    nullable: true,
    type: String,
    example: null,
    description:
      'a cancel or resume asked of the payment provider whose outcome is not known yet (the request was answered 202): do not retry, the service settles it within minutes; null when nothing is pending',
  })
  pending_change: PendingSubscriptionChange | null;

  @ApiNullableDateTime({
    example: null,
    description: 'when the pending change was asked for; null when nothing is pending',
  })
  pending_change_requested_at: string | null;

  @ApiDateTime()
  created_at: string;

  @ApiDateTime()
  updated_at: string;
}

@ApiSchema({ name: 'SubscriptionList' })
export class SubscriptionListResponse extends ListEnvelopeResponse {
  @ApiProperty({ type: [SubscriptionResponse] })
  subscriptions: SubscriptionResponse[];
}
