import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
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
@Controller('api/v1/payment/refund')
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
      'Answers the refund transaction; its parent_transaction_id is the charge. A retry with the same Idempotency-Key answers the same refund (header Idempotent-Replayed: true).',
  })
  @ApiCreatedResponse({
    type: TransactionResponse,
    description: 'The refund transaction',
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
    return toTransactionResource(result.refund);
  }
}
