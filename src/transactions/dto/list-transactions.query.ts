import { MAX_CUSTOMER_REF_LENGTH } from '../../customers/customer-ref';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { ListQuery } from '../../common/list-query';
import type { TransactionStatus, TransactionType } from '../entities/transaction.entity';

export const TRANSACTION_STATUSES: TransactionStatus[] = [
  'pending',
  'succeeded',
  'failed',
  'canceled',
  'refunded',
  'partially_refunded',
];
export const TRANSACTION_TYPES: TransactionType[] = ['charge', 'refund'];

export class ListTransactionsQuery extends ListQuery {
  @ApiPropertyOptional({ enum: TRANSACTION_STATUSES, enumName: 'TransactionStatus' })
  @IsOptional()
  @IsIn(TRANSACTION_STATUSES)
  status?: TransactionStatus;

  @ApiPropertyOptional({ enum: TRANSACTION_TYPES, enumName: 'TransactionType' })
  @IsOptional()
  @IsIn(TRANSACTION_TYPES)
  type?: TransactionType;

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
