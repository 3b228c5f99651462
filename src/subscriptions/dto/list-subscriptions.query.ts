import { MAX_CUSTOMER_REF_LENGTH } from '../../customers/customer-ref';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '../entities/subscription.entity';

export class ListSubscriptionsQuery extends PageQuery {
  @IsOptional()
  @IsIn(SUBSCRIPTION_STATUSES)
  status?: SubscriptionStatus;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_CUSTOMER_REF_LENGTH)
  customer_ref?: string;
}
