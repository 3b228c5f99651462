import { PaymentController } from '../common/payment-controller.decorator';
import { Body, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import { ApiIdParam, IDEMPOTENT_REPLAYED_HEADER } from '../common/openapi/api-fields';
import { TransactionResponse } from '../transactions/dto/transaction.response';
import { ParseIdPipe } from '../common/parse-id.pipe';
import type { Response } from 'express';
import {
  toTransactionResource,
  type TransactionResource,
} from '../transactions/transaction.resource';
import { CreateRefundDto } from './dto/create-refund.dto';
import { RefundsService } from './refunds.service';

@ApiTags('refunds')
@ApiKeyProtected()
@PaymentController('api/v1/payment/refund')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  /**
   * Refunds a charge, fully (no amount: what remains) or partly. Answers the
   * refund transaction; its parent_transaction_id is the charge. A retry with
   * the same Idempotency-Key answers the same refund (header Idempotent-Replayed: true).
   */
  @ApiOperation({
    summary: 'Refund a charge, fully (no amount: what remains) or partly',
    description:
      'Answers the refund transaction; its parent_transaction_id is the charge. A retry with the same Idempotency-Key answers the same refund (header Idempotent-Replayed: true). 503: the provider was not reached and nothing was reserved — a retry is safe. 202: the outcome at the provider is unknown — do not retry; it will be settled by the service.',
  })
  @ApiCreatedResponse({
    type: TransactionResponse,
    description: 'The refund transaction',
    headers: IDEMPOTENT_REPLAYED_HEADER,
  })
  @ApiAcceptedResponse({
    type: TransactionResponse,
    description:
      'The refund transaction, status "pending": the payment provider did not say whether it made the refund (timeout, connection broken after sending). Do not retry; it will be settled by the service within minutes (a retry with the same Idempotency-Key answers this same row). Watch payment.refund.created or GET the transaction.',
    headers: IDEMPOTENT_REPLAYED_HEADER,
  })
  @ApiErrors(400, 404, 409, 413, 415, 502, 503)
  @ApiIdParam('transactionId', 'our id of the charge to refund')
  @Post(':transactionId')
  @HttpCode(201)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'makes retries safe: the same key returns the same refund',
  })
  async create(
    @Param('transactionId', ParseIdPipe) transactionId: number,
    @Body() body: CreateRefundDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TransactionResource> {
    const result = await this.refunds.refund(transactionId, {
      amount: body.amount,
      reason: body.reason,
      idempotencyKey,
    });
    if (result.replayed) response.setHeader('Idempotent-Replayed', 'true');
    // The provider's outcome is unknown: the service settles it; the client must not retry.
    if (result.settling) response.status(202);
    return toTransactionResource(result.refund);
  }
}
