import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type, type TransformFnParams } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  Max,
  Min,
  registerDecorator,
  type ValidationArguments,
} from 'class-validator';
import type { ObjectLiteral, Repository, SelectQueryBuilder } from 'typeorm';
import { ValidationError } from './domain-error';
import { MAX_PAGE, MAX_PAGE_SIZE, type Page } from './pagination';
import { MAX_ROW_ID } from './parse-id.pipe';

export const DEFAULT_LIMIT = 20;
export const LIST_INCLUDES = ['total'] as const;

const PAGE_PARAMS = ['page', 'page_size'];
const CURSOR_PARAMS = ['limit', 'starting_after', 'ending_before'];

/** A row id is digits only (as in a path, ParseIdPipe): `0x10` or `1e3` stay text and fail IsInt. */
function rowId({ value }: TransformFnParams): unknown {
  return typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : value;
}

/** The property may not be given together with any of `others` (DESIGN §6.0: one way of paging per call). */
function NotWith(others: string[]): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'notWith',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [others],
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          if (value === undefined) return true;
          const object = args.object as Record<string, unknown>;
          return others.every((other) => object[other] === undefined);
        },
        defaultMessage(args: ValidationArguments): string {
          const object = args.object as Record<string, unknown>;
          const given = others.filter((other) => object[other] !== undefined);
          return `cannot be combined with ${given.join(', ')}`;
        },
      },
    });
  };
}

/**
 * List paging (DESIGN §6.0). Cursors as payment APIs do them — `limit` (1..100,
 * default 20) with `starting_after` or `ending_before` (the id of a row of this
 * list) — or, for existing clients, `page`/`page_size` (OFFSET). One way per call.
 * `include=total` adds the count of rows matching the filters (it costs a scan).
 */
export class ListQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE,
    example: 1,
    description: 'page mode (OFFSET): from 1; not with cursors',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  @NotWith(CURSOR_PARAMS)
  page?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_LIMIT,
    example: 20,
    description: 'page mode: rows per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  @NotWith(CURSOR_PARAMS)
  page_size?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_LIMIT,
    example: 20,
    description: 'cursor mode: rows to answer',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  @NotWith(PAGE_PARAMS)
  limit?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    example: 42,
    description: 'cursor: the rows after this id (older ones)',
  })
  @IsOptional()
  @Transform(rowId)
  @IsInt()
  @Min(1)
  @Max(MAX_ROW_ID)
  @NotWith(['ending_before', ...PAGE_PARAMS])
  starting_after?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    example: 42,
    description: 'cursor: the rows before this id (newer ones)',
  })
  @IsOptional()
  @Transform(rowId)
  @IsInt()
  @Min(1)
  @Max(MAX_ROW_ID)
  @NotWith(['starting_after', ...PAGE_PARAMS])
  ending_before?: number;

  @ApiPropertyOptional({
    enum: LIST_INCLUDES,
    description: 'total: also count the rows matching the filters',
  })
  @IsOptional()
  @IsIn(LIST_INCLUDES)
  include?: (typeof LIST_INCLUDES)[number];
}

export type ListRequest =
  | { mode: 'page'; page: number; pageSize: number; includeTotal: boolean }
  | {
      mode: 'cursor';
      limit: number;
      startingAfter?: number;
      endingBefore?: number;
      includeTotal: boolean;
    };

/** Page mode when `page` or `page_size` is given, cursor mode otherwise. */
export function listRequestOf(query: ListQuery): ListRequest {
  const includeTotal = query.include === 'total';
  if (query.page !== undefined || query.page_size !== undefined) {
    return {
      mode: 'page',
      page: query.page ?? 1,
      pageSize: query.page_size ?? DEFAULT_LIMIT,
      includeTotal,
    };
  }
  return {
    mode: 'cursor',
    limit: query.limit ?? DEFAULT_LIMIT,
    startingAfter: query.starting_after,
    endingBefore: query.ending_before,
    includeTotal,
  };
}

/** Page `page` of the list with the count of every row the filters match (the CLI's listings). */
export function pageWithTotal(page: Page): ListRequest {
  return { mode: 'page', page: page.page, pageSize: page.pageSize, includeTotal: true };
}

export interface ListResult<T> {
  rows: T[];
  hasMore: boolean;
  total?: number;
}

/** The paging fields of a list answer (the rows go under the resource's own key). */
export interface ListPageFields {
  has_more: boolean;
  total?: number;
  page?: number;
  page_size?: number;
}

export function listPageFields(request: ListRequest, result: ListResult<unknown>): ListPageFields {
  return {
    has_more: result.hasMore,
    ...(result.total !== undefined ? { total: result.total } : {}),
    ...(request.mode === 'page' ? { page: request.page, page_size: request.pageSize } : {}),
  };
}

/**
 * Lists rows newest first (created_at DESC, id DESC). A cursor compares the
 * row tuple `(created_at, id)` with the cursor row's, so each call is one index
 * range scan of `limit + 1` entries whatever the depth; the cursor row must exist
 * (any row of the table, whether or not the filters match it) or the call is a
 * 400 naming the parameter.
 * `filter` adds the WHERE conditions on alias `t`; the indexes that serve each
 * filter are on (filter columns…, created_at, id).
 */
export async function listRows<T extends ObjectLiteral>(
  repository: Repository<T>,
  request: ListRequest,
  filter: (qb: SelectQueryBuilder<T>) => void,
): Promise<ListResult<T>> {
  const base = (): SelectQueryBuilder<T> => {
    const qb = repository.createQueryBuilder('t');
    filter(qb);
    return qb;
  };
  const total = request.includeTotal ? await base().getCount() : undefined;

  if (request.mode === 'page') {
    const rows = await base()
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .offset((request.page - 1) * request.pageSize)
      .limit(request.pageSize + 1)
      .getMany();
    return trim(rows, request.pageSize, false, total);
  }

  const qb = base();
  const backward = request.endingBefore !== undefined;
  const cursorId = request.endingBefore ?? request.startingAfter;
  if (cursorId !== undefined) {
    // The cursor row's own (created_at, id), read in the same statement: microseconds
    // kept (a JS Date has milliseconds), one round trip.
    qb.andWhere(
      `(t.created_at, t.id) ${backward ? '>' : '<'} (SELECT c.created_at, c.id FROM ${repository.metadata.tablePath} c WHERE c.id = :cursorId)`,
      { cursorId },
    );
  }
  const direction = backward ? 'ASC' : 'DESC';
  const rows = await qb
    .orderBy('t.created_at', direction)
    .addOrderBy('t.id', direction)
    .limit(request.limit + 1)
    .getMany();
  // No row: the end of the list, or a cursor that names no row (then a 400).
  if (cursorId !== undefined && rows.length === 0)
    await assertCursorRow(repository, cursorId, backward ? 'ending_before' : 'starting_after');
  return trim(rows, request.limit, backward, total);
}

function trim<T>(rows: T[], limit: number, reverse: boolean, total?: number): ListResult<T> {
  const hasMore = rows.length > limit;
  const page = rows.slice(0, limit);
  if (reverse) page.reverse();
  return { rows: page, hasMore, ...(total !== undefined ? { total } : {}) };
}

/** @throws ValidationError naming `field` when no row has the id. */
async function assertCursorRow<T extends ObjectLiteral>(
  repository: Repository<T>,
  id: number,
  field: string,
): Promise<void> {
  if (await repository.createQueryBuilder('c').where('c.id = :id', { id }).getExists()) return;
  const problem = `no ${repository.metadata.tableName.replace(/^payment_/, '')} with id ${id}`;
  throw new ValidationError(`Validation failed: ${field}: ${problem}`, { [field]: [problem] });
}
