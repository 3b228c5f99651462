import { PaymentController } from '../common/payment-controller.decorator';
import { Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import { ApiIdParam } from '../common/openapi/api-fields';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { listPageFields, listRequestOf, type ListPageFields } from '../common/list-query';
import { toDisputeResource, type DisputeResource } from './dispute.resource';
import { DisputesService } from './disputes.service';
import { DisputeListResponse, DisputeResponse } from './dto/dispute.response';
import { ListDisputesQuery } from './dto/list-disputes.query';

@ApiTags('disputes')
@ApiKeyProtected()
@PaymentController('api/v1/payment/disputes')
export class DisputesController {
  constructor(private readonly disputes: DisputesService) {}

  /** Chargebacks and early fraud warnings, newest first; `?status=open` for those still in play. */
  @ApiOperation({ summary: 'Chargebacks and early fraud warnings, newest first' })
  @ApiOkResponse({ type: DisputeListResponse })
  @ApiErrors(400)
  @Get()
  async list(
    @Query() query: ListDisputesQuery,
  ): Promise<{ disputes: DisputeResource[] } & ListPageFields> {
    const request = listRequestOf(query);
    const result = await this.disputes.listPage({ status: query.status }, request);
    return { disputes: result.rows.map(toDisputeResource), ...listPageFields(request, result) };
  }

  @ApiOperation({ summary: 'One dispute or fraud warning by our id' })
  @ApiOkResponse({ type: DisputeResponse })
  @ApiErrors(400, 404)
  @ApiIdParam('id')
  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: number): Promise<DisputeResource> {
    return this.disputes.get(id);
  }
}
