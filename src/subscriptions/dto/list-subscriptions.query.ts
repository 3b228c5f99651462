import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { SUBSCRIPTION_STATUSES, type SubscriptionStatus } from '../entities/subscription.entity';

export class ListSubscriptionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: SUBSCRIPTION_STATUSES, enumName: 'SubscriptionStatus' })
  @IsOptional()
  @IsIn(SUBSCRIPTION_STATUSES)
  status?: SubscriptionStatus;

  @ApiPropertyOptional({
    type: 'string',
    maxLength: 255,
    example: 'user-42',
    description: "the app's user id",
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  customer_ref?: string;
}
