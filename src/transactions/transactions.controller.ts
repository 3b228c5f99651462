import { PaymentController } from '../common/payment-controller.decorator';
import { Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import { ApiIdParam } from '../common/openapi/api-fields';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { NotFoundError } from '../common/domain-error';
import { listPageFields, listRequestOf, type ListPageFields } from '../common/list-query';
import { ListTransactionsQuery } from './dto/list-transactions.query';
import { TransactionListResponse, TransactionResponse } from './dto/transaction.response';
import { toTransactionResource, type TransactionResource } from './transaction.resource';
import { TransactionsService } from './transactions.service';

@ApiTags('transactions')
@ApiKeyProtected()
@PaymentController('api/v1/payment/transactions')
export class TransactionsController {
  constructor(private readonly transactions: TransactionsService) {}

  /** Newest first; filters: status, type, customer_ref; cursors or pages (DESIGN §6.0). */
  @ApiOperation({ summary: 'Charges and refunds, newest first: by cursor or by page' })
  @ApiOkResponse({ type: TransactionListResponse })
  @ApiErrors(400)
  @Get()
  async list(
    @Query() query: ListTransactionsQuery,
  ): Promise<{ transactions: TransactionResource[] } & ListPageFields> {
    const request = listRequestOf(query);
    const result = await this.transactions.listPage(
      { status: query.status, type: query.type, customerRef: query.customer_ref },
      request,
    );
    return {
      transactions: result.rows.map(toTransactionResource),
      ...listPageFields(request, result),
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
