import { MAX_CUSTOMER_REF_LENGTH } from '../../customers/customer-ref';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQuery } from '../../common/list-query';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '../entities/subscription.entity';

export class ListSubscriptionsQuery extends ListQuery {
  @ApiPropertyOptional({ enum: SUBSCRIPTION_STATUSES, enumName: 'SubscriptionStatus' })
  @IsOptional()
  @IsIn(SUBSCRIPTION_STATUSES)
  status?: SubscriptionStatus;

  @ApiPropertyOptional({
    type: 'string',
    maxLength: MAX_CUSTOMER_REF_LENGTH,
    example: 'user-42',
    description: "the app's user id",
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_CUSTOMER_REF_LENGTH)
  customer_ref?: string;
}
