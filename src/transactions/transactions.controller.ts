import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import { ApiIdParam } from '../common/openapi/api-fields';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { NotFoundError } from '../common/domain-error';
import { pageOf } from '../common/pagination';
import { ListTransactionsQuery } from './dto/list-transactions.query';
import { TransactionListResponse, TransactionResponse } from './dto/transaction.response';
import { toTransactionResource, type TransactionResource } from './transaction.resource';
import { TransactionsService } from './transactions.service';

@ApiTags('transactions')
@ApiKeyProtected()
@Controller('api/v1/payment/transactions')
export class TransactionsController {
  constructor(private readonly transactions: TransactionsService) {}

  /** Newest first; filters: status, type, customer_ref. */
  @ApiOperation({ summary: 'Charges and refunds, newest first, one page at a time' })
  @ApiOkResponse({ type: TransactionListResponse })
  @ApiErrors(400)
  @Get()
  async list(@Query() query: ListTransactionsQuery): Promise<{
    transactions: TransactionResource[];
    total: number;
    page: number;
    page_size: number;
  }> {
    const page = pageOf(query);
    const { rows, total } = await this.transactions.list(
      { status: query.status, type: query.type, customerRef: query.customer_ref },
      page,
    );
    return {
      transactions: rows.map(toTransactionResource),
      total,
      page: page.page,
      page_size: page.pageSize,
    };
  }

  /** The charge a checkout session produced; 404 until the webhook has recorded it. */
  @ApiOperation({
    summary: 'The charge a checkout session produced (404 until its webhook arrived)',
  })
  @ApiOkResponse({ type: TransactionResponse })
  @ApiErrors(404)
  @Get('by-session/:sessionId')
  async bySession(@Param('sessionId') sessionId: string): Promise<TransactionResource> {
    const row = await this.transactions.findBySession(sessionId);
    if (!row) throw new NotFoundError('Transaction for checkout session', sessionId);
    return toTransactionResource(row);
  }

  @ApiOperation({ summary: 'One transaction by our id' })
  @ApiOkResponse({ type: TransactionResponse })
  @ApiErrors(400, 404)
  @ApiIdParam('id')
  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: number): Promise<TransactionResource> {
    return toTransactionResource(await this.transactions.get(id));
  }
}
