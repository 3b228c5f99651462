import { ApiBoolean, ApiInteger } from './api-fields';

/** What every list answers besides its rows (DESIGN §6.0): `has_more`, and the paging it was asked for. */
export class ListEnvelopeResponse {
  @ApiBoolean({ example: false, description: 'more rows follow in this direction' })
  has_more: boolean;

  @ApiInteger({
    required: false,
    example: 1,
    description: 'rows matching the filters, all pages: only with include=total',
  })
  total?: number;

  @ApiInteger({ required: false, example: 1, description: 'page mode only' })
  page?: number;

  @ApiInteger({ required: false, example: 20, description: 'page mode only' })
  page_size?: number;
}
