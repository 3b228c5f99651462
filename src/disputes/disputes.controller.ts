import { Controller, Get, Param, Query } from '@nestjs/common';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { listPageFields, listRequestOf, type ListPageFields } from '../common/list-query';
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
  ): Promise<{ disputes: DisputeResource[] } & ListPageFields> {
    const request = listRequestOf(query);
    const result = await this.disputes.listPage({ status: query.status }, request);
    return { disputes: result.rows.map(toDisputeResource), ...listPageFields(request, result) };
  }

  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: number): Promise<DisputeResource> {
    return this.disputes.get(id);
  }
}
