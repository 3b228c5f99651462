import { Controller, Get, Param, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { pageOf } from '../common/pagination';
import { toDisputeResource, type DisputeResource } from './dispute.resource';
import { DisputesService } from './disputes.service';
import { ListDisputesQuery } from './dto/list-disputes.query';

@ApiTags('disputes')
@ApiBearerAuth()
@Controller('api/v1/payment/disputes')
export class DisputesController {
  constructor(private readonly disputes: DisputesService) {}

  /** Chargebacks and early fraud warnings, newest first; `?status=open` for those still in play. */
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

  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: number): Promise<DisputeResource> {
    return this.disputes.get(id);
  }
}
