import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ListQuery, listPageFields, listRequestOf } from './list-query';

async function problems(plain: Record<string, unknown>): Promise<Record<string, string[]>> {
  const errors = await validate(plainToInstance(ListQuery, plain));
  return Object.fromEntries(errors.map((e) => [e.property, Object.values(e.constraints ?? {})]));
}

describe('ListQuery', () => {
  it('takes cursors or pages, each alone', async () => {
    expect(await problems({ limit: '50', starting_after: '7', include: 'total' })).toEqual({});
    expect(await problems({ ending_before: '7' })).toEqual({});
    expect(await problems({ page: '3', page_size: '10' })).toEqual({});
  });

  it('names both parameters when a call mixes them', async () => {
    expect(await problems({ page: '2', starting_after: '7' })).toEqual({
      page: ['cannot be combined with starting_after'],
      starting_after: ['cannot be combined with page'],
    });
    expect(await problems({ starting_after: '1', ending_before: '2' })).toEqual({
      starting_after: ['cannot be combined with ending_before'],
      ending_before: ['cannot be combined with starting_after'],
    });
    expect(Object.keys(await problems({ page_size: '5', limit: '5' })).sort()).toEqual([
      'limit',
      'page_size',
    ]);
  });

  it('turns the query into a request: page mode when page or page_size is given', () => {
    expect(listRequestOf(plainToInstance(ListQuery, {}))).toEqual({
      mode: 'cursor',
      limit: 20,
      startingAfter: undefined,
      endingBefore: undefined,
      includeTotal: false,
    });
    expect(listRequestOf(plainToInstance(ListQuery, { page_size: '5', include: 'total' }))).toEqual(
      { mode: 'page', page: 1, pageSize: 5, includeTotal: true },
    );
  });

  it('answers page and page_size only in page mode, total only when counted', () => {
    const cursor = listRequestOf(plainToInstance(ListQuery, { limit: '3' }));
    expect(listPageFields(cursor, { rows: [], hasMore: true })).toEqual({ has_more: true });
    const page = listRequestOf(plainToInstance(ListQuery, { page: '2', include: 'total' }));
    expect(listPageFields(page, { rows: [], hasMore: false, total: 9 })).toEqual({
      has_more: false,
      total: 9,
      page: 2,
      page_size: 20,
    });
  });
});
