import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyProtected } from '../common/openapi/api-errors.decorator';
import { ApiIdParam } from '../common/openapi/api-fields';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { pageOf } from '../common/pagination';
import { toDisputeResource, type DisputeResource } from './dispute.resource';
import { DisputesService } from './disputes.service';
import { DisputeListResponse, DisputeResponse } from './dto/dispute.response';
import { ListDisputesQuery } from './dto/list-disputes.query';

@ApiTags('disputes')
@ApiKeyProtected()
@Controller('api/v1/payment/disputes')
export class DisputesController {
  constructor(private readonly disputes: DisputesService) {}

  /** Chargebacks and early fraud warnings, newest first; `?status=open` for those still in play. */
  @ApiOperation({ summary: 'Chargebacks and early fraud warnings, newest first' })
  @ApiOkResponse({ type: DisputeListResponse })
  @ApiErrors(400)
  @Get()
  async list(
    @Query() query: ListDisputesQuery,
  ): Promise<{ disputes: DisputeResource[]; total: number; page: number; page_size: number }> {
    const page = pageOf(query);
    const { rows, total } = await this.disputes.list({ status: query.status }, page);
    return {
      disputes: rows.map(toDisputeResource),
      total,
      page: page.page,
      page_size: page.pageSize,
    };
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
