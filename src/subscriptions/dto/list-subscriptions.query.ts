import { MAX_CUSTOMER_REF_LENGTH } from '../../customers/customer-ref';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQuery } from '../../common/list-query';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '../entities/subscription.entity';

export class ListSubscriptionsQuery extends ListQuery {
  @IsOptional()
  @IsIn(SUBSCRIPTION_STATUSES)
  status?: SubscriptionStatus;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_CUSTOMER_REF_LENGTH)
  customer_ref?: string;
}
