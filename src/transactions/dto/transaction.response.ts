import { ListEnvelopeResponse } from '../../common/openapi/list-envelope.response';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import {
  ApiDateTime,
  ApiInteger,
  ApiNullableInteger,
  ApiNullableString,
  ApiString,
  ApiStringMap,
} from '../../common/openapi/api-fields';
import type { TransactionStatus, TransactionType } from '../entities/transaction.entity';
import type { TransactionResource } from '../transaction.resource';
import { TRANSACTION_STATUSES, TRANSACTION_TYPES } from './list-transactions.query';

/** A transaction as the API answers it (DESIGN §6.0); see toTransactionResource. */
@ApiSchema({ name: 'Transaction', description: 'A charge or a refund (one money movement)' })
export class TransactionResponse implements TransactionResource {
  @ApiInteger({ example: 42 })
  id: number;

  @ApiProperty({ enum: TRANSACTION_TYPES, enumName: 'TransactionType', example: 'charge' })
  type: TransactionType;

  @ApiProperty({
    enum: TRANSACTION_STATUSES,
    enumName: 'TransactionStatus',
    example: 'succeeded',
    description: 'a declined payment is a failed charge',
  })
  status: TransactionStatus;

  @ApiInteger({ example: 2900, description: 'minor units' })
  amount: number;

  @ApiInteger({ example: 0, description: 'minor units refunded so far (charges)' })
  amount_refunded: number;

  @ApiString({ example: 'usd', description: '3-letter ISO code, lowercase' })
  currency: string;

  @ApiNullableString({ example: 'Pro plan' })
  description: string | null;

  @ApiNullableString({ example: null, description: 'refunds: the reason given' })
  reason: string | null;

  @ApiNullableString({ example: 'user-42', description: "the app's user id" })
  customer_ref: string | null;

  @ApiString({ example: 'stripe', description: 'stripe or sandbox' })
  provider: string;

  @ApiNullableString({
    example: 'pi_3Pabc',
    description:
      'the id of this money movement at the provider: the refund id, else the payment intent, else the invoice, else the charge',
  })
  provider_transaction_id: string | null;

  @ApiNullableString({ example: 'pi_3Pabc' })
  provider_payment_intent_id: string | null;

  @ApiNullableString({ example: 'ch_3Pabc' })
  provider_charge_id: string | null;

  @ApiNullableString({ example: null })
  provider_invoice_id: string | null;

  @ApiNullableString({ example: null })
  provider_refund_id: string | null;

  @ApiNullableString({ example: 'cs_test_a1', description: "the provider's checkout session id" })
  checkout_session_id: string | null;

  @ApiNullableInteger({ example: null, description: 'our subscription id (invoice payments)' })
  subscription_id: number | null;

  @ApiNullableInteger({ example: null, description: 'refunds: our id of the refunded charge' })
  parent_transaction_id: number | null;

  @ApiStringMap()
  metadata: Record<string, string>;

  @ApiDateTime()
  created_at: string;

  @ApiDateTime()
  updated_at: string;
}

/** GET /transactions: one page, newest first. */
@ApiSchema({ name: 'TransactionList' })
export class TransactionListResponse extends ListEnvelopeResponse {
  @ApiProperty({ type: [TransactionResponse] })
  transactions: TransactionResponse[];
}
