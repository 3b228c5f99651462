import { MAX_CUSTOMER_REF_LENGTH } from '../../customers/customer-ref';
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
  @IsOptional()
  @IsIn(TRANSACTION_STATUSES)
  status?: TransactionStatus;

  @IsOptional()
  @IsIn(TRANSACTION_TYPES)
  type?: TransactionType;

  @IsOptional()
  @IsString()
  @MaxLength(MAX_CUSTOMER_REF_LENGTH)
  customer_ref?: string;
}
