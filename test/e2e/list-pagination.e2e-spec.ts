import { createTestApp, type TestApp } from '../support/test-app';

/**
 * Cursor and page paging of the three API lists (DESIGN §6.0), on rows written
 * straight into the database: several share a created_at (the id breaks the tie)
 * and the times carry microseconds (a cursor must not lose them).
 */

interface ListBody {
  has_more: boolean;
  total?: number;
  page?: number;
  page_size?: number;
  [key: string]: unknown;
}

type Query = Record<string, string | number>;

const T_STATUSES = ['succeeded', 'failed', 'refunded', 'pending'];
const S_STATUSES = ['active', 'canceled', 'trialing'];
const D_STATUSES = ['needs_response', 'won', 'warning_issued', 'under_review', 'lost'];

describe('cursor pagination of the lists', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    // 41 transactions over 12 distinct created_at values (ties), times with microseconds.
    await t.dataSource.query(`
      INSERT INTO payment_transaction (created_at, provider, type, status, amount, currency, customer_ref)
      SELECT timestamptz '2026-01-01 00:00:00.123456+00' + (i / 4) * interval '1 second 1 microsecond',
             'sandbox',
             CASE WHEN i % 5 = 0 THEN 'refund' ELSE 'charge' END,
             (ARRAY[${T_STATUSES.map((s) => `'${s}'`).join(',')}])[1 + i % 4],
             100 * i, 'eur',
             CASE WHEN i % 3 = 0 THEN NULL ELSE 'cust-' || (i % 3) END
      FROM generate_series(1, 41) AS i
      ORDER BY random()`);
    await t.dataSource.query(`
      INSERT INTO payment_subscription (created_at, provider, provider_subscription_id, status, customer_ref)
      SELECT timestamptz '2026-02-01 00:00:00.654321+00' + (i / 3) * interval '1 minute',
             'sandbox', 'sub_list_' || i,
             (ARRAY[${S_STATUSES.map((s) => `'${s}'`).join(',')}])[1 + i % 3],
             'cust-' || (i % 2)
      FROM generate_series(1, 25) AS i
      ORDER BY random()`);
    await t.dataSource.query(`
      INSERT INTO payment_dispute (created_at, provider, provider_dispute_id, kind, status)
      SELECT timestamptz '2026-03-01 00:00:00.000001+00' + (i / 2) * interval '1 hour',
             'sandbox', 'dp_list_' || i, 'chargeback',
             (ARRAY[${D_STATUSES.map((s) => `'${s}'`).join(',')}])[1 + i % 5]
      FROM generate_series(1, 27) AS i
      ORDER BY random()`);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** The ids the list must show, in order, computed by the database itself. */
  async function expected(
    table: string,
    where = 'true',
    params: unknown[] = [],
  ): Promise<number[]> {
    const rows = await t.dataSource.query<{ id: number }[]>(
      `SELECT id FROM ${table} WHERE ${where} ORDER BY created_at DESC, id DESC`,
      params,
    );
    return rows.map((row) => row.id);
  }

  async function list(
    path: string,
    key: string,
    query: Query,
  ): Promise<{ ids: number[]; body: ListBody }> {
    const res = await t.http.get(path).query(query).expect(200);
    const body = res.body as ListBody;
    return { ids: (body[key] as { id: number }[]).map((row) => row.id), body };
  }

  /** Walks the whole list with starting_after; asserts every page's size and has_more. */
  async function walkForward(
    path: string,
    key: string,
    filter: Query,
    limit: number,
  ): Promise<number[]> {
    const seen: number[] = [];
    let cursor: number | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const query: Query = { ...filter, limit };
      if (cursor !== undefined) query.starting_after = cursor;
      const { ids, body } = await list(path, key, query);
      expect(ids.length).toBeLessThanOrEqual(limit);
      expect(body.total).toBeUndefined();
      seen.push(...ids);
      if (!body.has_more) return seen;
      expect(ids).toHaveLength(limit);
      cursor = ids[ids.length - 1];
    }
    throw new Error('the walk did not end');
  }

  /** Walks from the oldest row towards the newest with ending_before; pages still newest first. */
  async function walkBackward(
    path: string,
    key: string,
    filter: Query,
    limit: number,
    oldest: number,
  ): Promise<number[]> {
    const seen: number[] = [oldest];
    let cursor = oldest;
    for (let pages = 0; pages < 100; pages++) {
      const { ids, body } = await list(path, key, { ...filter, limit, ending_before: cursor });
      expect(ids.length).toBeLessThanOrEqual(limit);
      seen.unshift(...ids);
      if (!body.has_more) return seen;
      expect(ids).toHaveLength(limit);
      cursor = ids[0];
    }
    throw new Error('the walk did not end');
  }

  async function bothWays(
    path: string,
    key: string,
    filter: Query,
    want: number[],
    limit: number,
  ): Promise<void> {
    expect(want.length).toBeGreaterThan(limit); // the walk really takes several pages
    expect(await walkForward(path, key, filter, limit)).toEqual(want);
    expect(await walkBackward(path, key, filter, limit, want[want.length - 1])).toEqual(want);
  }

  const TX = '/api/v1/payment/transactions';

  it('walks every transaction exactly once, newest first, forward and backward', async () => {
    const want = await expected('payment_transaction');
    expect(want).toHaveLength(41);
    await bothWays(TX, 'transactions', {}, want, 4);
    await bothWays(TX, 'transactions', {}, want, 7);
  });

  it('walks with every transaction filter and their combinations', async () => {
    const cases: [Query, string, unknown[]][] = [
      [{ status: 'succeeded' }, 'status = $1', ['succeeded']],
      [{ type: 'charge' }, 'type = $1', ['charge']],
      [{ customer_ref: 'cust-1' }, 'customer_ref = $1', ['cust-1']],
      [{ status: 'failed', type: 'charge' }, 'status = $1 AND type = $2', ['failed', 'charge']],
      [
        { status: 'pending', customer_ref: 'cust-2' },
        'status = $1 AND customer_ref = $2',
        ['pending', 'cust-2'],
      ],
      [
        { type: 'charge', customer_ref: 'cust-2', status: 'refunded' },
        'type = $1 AND customer_ref = $2 AND status = $3',
        ['charge', 'cust-2', 'refunded'],
      ],
    ];
    for (const [filter, where, params] of cases) {
      const want = await expected('payment_transaction', where, params);
      expect(want.length).toBeGreaterThan(1);
      const limit = Math.max(1, Math.floor(want.length / 3));
      await bothWays(TX, 'transactions', filter, want, limit);
    }
  });

  it('answers has_more false on the last page, also when it is exactly full', async () => {
    const want = await expected('payment_transaction', 'type = $1', ['refund']);
    const all = await list(TX, 'transactions', { type: 'refund', limit: want.length });
    expect(all.ids).toEqual(want);
    expect(all.body).toEqual({ transactions: expect.any(Array), has_more: false });
    const short = await list(TX, 'transactions', { type: 'refund', limit: want.length - 1 });
    expect(short.body.has_more).toBe(true);
    const after = await list(TX, 'transactions', { starting_after: want[want.length - 1] });
    const rest = await expected('payment_transaction');
    expect(after.ids).toEqual(rest.slice(rest.indexOf(want[want.length - 1]) + 1).slice(0, 20));
    const beforeNewest = await list(TX, 'transactions', { ending_before: rest[0] });
    expect(beforeNewest.body).toEqual({ transactions: [], has_more: false });
  });

  it('takes any row of the list as a cursor, even one the filter leaves out', async () => {
    const all = await expected('payment_transaction');
    const refunds = await expected('payment_transaction', 'type = $1', ['refund']);
    const cursor = all.find((id) => !refunds.includes(id) && all.indexOf(id) > 10)!;
    const { ids } = await list(TX, 'transactions', { type: 'refund', starting_after: cursor });
    expect(ids).toEqual(refunds.filter((id) => all.indexOf(id) > all.indexOf(cursor)));
  });

  it('defaults to 20 rows and counts the total only when asked, in both modes', async () => {
    const want = await expected('payment_transaction');
    const plain = await list(TX, 'transactions', {});
    expect(plain.ids).toEqual(want.slice(0, 20));
    expect(plain.body).toEqual({ transactions: expect.any(Array), has_more: true });

    const counted = await list(TX, 'transactions', { include: 'total', status: 'failed' });
    const failed = await expected('payment_transaction', 'status = $1', ['failed']);
    expect(counted.body.total).toBe(failed.length);

    const deep = await list(TX, 'transactions', {
      include: 'total',
      limit: 3,
      starting_after: want[30],
    });
    expect(deep.body.total).toBe(want.length);
    expect(deep.ids).toEqual(want.slice(31, 34));

    const page = await list(TX, 'transactions', { page: 2, page_size: 5, include: 'total' });
    expect(page.body).toEqual({
      transactions: expect.any(Array),
      has_more: true,
      total: want.length,
      page: 2,
      page_size: 5,
    });
    expect(page.ids).toEqual(want.slice(5, 10));
  });

  it('keeps page/page_size working (OFFSET) with filters, has_more on the last page', async () => {
    const want = await expected('payment_transaction', 'customer_ref = $1', ['cust-1']);
    const seen: number[] = [];
    for (let page = 1; ; page++) {
      const { ids, body } = await list(TX, 'transactions', {
        customer_ref: 'cust-1',
        page,
        page_size: 4,
      });
      expect(body).toEqual(expect.objectContaining({ page, page_size: 4 }));
      expect(body.total).toBeUndefined();
      seen.push(...ids);
      if (!body.has_more) break;
    }
    expect(seen).toEqual(want);
    const past = await list(TX, 'transactions', { page: 99 });
    expect(past.body).toEqual({ transactions: [], has_more: false, page: 99, page_size: 20 });
  });

  it('refuses bad paging with a 400 naming the field', async () => {
    const bad: [Query, string[]][] = [
      [{ starting_after: 'abc' }, ['starting_after']],
      [{ ending_before: '0' }, ['ending_before']],
      [{ starting_after: '2147483648' }, ['starting_after']],
      [{ starting_after: '0x10' }, ['starting_after']],
      [{ ending_before: '1e3' }, ['ending_before']],
      [{ limit: 0 }, ['limit']],
      [{ limit: 101 }, ['limit']],
      [{ limit: '2.5' }, ['limit']],
      [{ include: 'count' }, ['include']],
      [{ starting_after: 1, ending_before: 2 }, ['ending_before', 'starting_after']],
      [{ page: 2, starting_after: 1 }, ['page', 'starting_after']],
      [{ page_size: 5, limit: 5 }, ['limit', 'page_size']],
      [{ page: 1, ending_before: 3 }, ['ending_before', 'page']],
      [{ cursor: 'x' }, ['cursor']],
    ];
    for (const [query, fields] of bad) {
      const res = await t.http.get(TX).query(query).expect(400);
      expect(Object.keys(res.body.details.fields).sort()).toEqual(fields);
    }
  });

  it('refuses a cursor that names no row with a 400 naming the field and the id', async () => {
    for (const field of ['starting_after', 'ending_before']) {
      const res = await t.http
        .get(TX)
        .query({ [field]: 999999 })
        .expect(400);
      expect(res.body.details.fields).toEqual({ [field]: ['no transaction with id 999999'] });
      expect(res.body.message).toContain(field);
    }
    const sub = await t.http
      .get('/api/v1/payment/subscriptions')
      .query({ starting_after: 999999 })
      .expect(400);
    expect(sub.body.details.fields).toEqual({ starting_after: ['no subscription with id 999999'] });
  });

  it('walks subscriptions with and without filters', async () => {
    const path = '/api/v1/payment/subscriptions';
    await bothWays(path, 'subscriptions', {}, await expected('payment_subscription'), 6);
    await bothWays(
      path,
      'subscriptions',
      { status: 'active', customer_ref: 'cust-1' },
      await expected('payment_subscription', 'status = $1 AND customer_ref = $2', [
        'active',
        'cust-1',
      ]),
      2,
    );
    await bothWays(
      path,
      'subscriptions',
      { status: 'canceled' },
      await expected('payment_subscription', 'status = $1', ['canceled']),
      3,
    );
  });

  it('walks disputes with and without filters, `open` included', async () => {
    const path = '/api/v1/payment/disputes';
    await bothWays(path, 'disputes', {}, await expected('payment_dispute'), 5);
    await bothWays(
      path,
      'disputes',
      { status: 'open' },
      await expected(
        'payment_dispute',
        `status IN ('warning_issued', 'needs_response', 'under_review')`,
      ),
      4,
    );
    await bothWays(
      path,
      'disputes',
      { status: 'won' },
      await expected('payment_dispute', 'status = $1', ['won']),
      2,
    );
    const counted = await list(path, 'disputes', { status: 'open', include: 'total', limit: 1 });
    expect(counted.body.total).toBe(
      (
        await expected(
          'payment_dispute',
          `status IN ('warning_issued', 'needs_response', 'under_review')`,
        )
      ).length,
    );
  });
});
