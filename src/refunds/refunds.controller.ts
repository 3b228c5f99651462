import { Body, Controller, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  toTransactionResource,
  type TransactionResource,
} from '../transactions/transaction.resource';
import { CreateRefundDto } from './dto/create-refund.dto';
import { RefundsService } from './refunds.service';

@ApiTags('refunds')
@ApiBearerAuth()
@Controller('api/v1/payment/refund')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  /**
   * Refunds a charge, fully (no amount: what remains) or partly. Answers the
   * refund transaction; its parent_transaction_id is the charge. A retry with
   * the same Idempotency-Key answers the same refund (header Idempotent-Replayed: true).
   */
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
