import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ListQuery } from '../../common/list-query';
import { DISPUTE_STATUS_FILTERS, type DisputeStatusFilter } from '../disputes.service';

export class ListDisputesQuery extends ListQuery {
  /** `open` (warning_issued, needs_response, under_review) or one status. */
  @ApiPropertyOptional({
    enum: DISPUTE_STATUS_FILTERS,
    enumName: 'DisputeStatusFilter',
    description: 'open: warning_issued, needs_response or under_review; else one status',
  })
  @IsOptional()
  @IsIn(DISPUTE_STATUS_FILTERS)
  status?: DisputeStatusFilter;
}
