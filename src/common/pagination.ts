import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const MAX_PAGE_SIZE = 100;
/** Keeps OFFSET within what PostgreSQL takes; cursors are the way deeper. */
export const MAX_PAGE = 10_000_000;

/** `page` from 1, `page_size` 1..100 (default 20): DESIGN §6.0. */
export class PageQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1, example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: 20,
    example: 20,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  page_size?: number;
}

export interface Page {
  page: number;
  pageSize: number;
}

export function pageOf(query: PageQuery): Page {
  return { page: query.page ?? 1, pageSize: query.page_size ?? 20 };
}
