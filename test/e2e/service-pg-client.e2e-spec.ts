import { Client } from 'pg';
import type { QueryRunner } from 'typeorm';
import { commitWithNextStatement } from '../../src/database/service-pg-client';
import { createTestApp, type TestApp } from '../support/test-app';

/** DATABASE_POOL_SIZE: the service's own pool opens at most that many connections. */
describe('the size of the service pool (e2e)', () => {
  /** Backends that served `n` statements sent at once, each holding its connection 50 ms. */
  async function backendsFor(t: TestApp, n: number): Promise<number> {
    const rows = await Promise.all(
      Array.from({ length: n }, () =>
        t.dataSource.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)'),
      ),
    );
    return new Set(rows.map(([row]) => row.pid)).size;
  }

  it('keeps to DATABASE_POOL_SIZE connections however many statements wait', async () => {
    const t = await createTestApp({ DATABASE_POOL_SIZE: '2' });
    try {
      expect(await backendsFor(t, 8)).toBe(2);
    } finally {
      await t.close();
    }
  });

  it('opens up to 10 by default', async () => {
    const t = await createTestApp();
    try {
      expect(await backendsFor(t, 12)).toBe(10);
    } finally {
      await t.close();
    }
  });
});

/**
 * DATABASE_PREPARED_STATEMENTS: the service's own pool runs parameterised statements as
 * named prepared statements (parsed and planned once per connection), or not at all.
 */
describe('prepared statements on the service pool (e2e)', () => {
  const text = 'SELECT $1::int + 1 AS next_value';

  async function preparedOnOneConnection(
    t: TestApp,
  ): Promise<{ prepared: number; results: number[] }> {
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const results: number[] = [];
      for (const value of [1, 2, 3])
        results.push(
          ((await runner.query(text, [value])) as { next_value: number }[])[0].next_value,
        );
      const rows = (await runner.query(
        `SELECT name FROM pg_prepared_statements WHERE statement = '${text.replace(/'/g, "''")}'`,
      )) as { name: string }[];
      return { prepared: rows.length, results };
    } finally {
      await runner.release();
    }
  }

  it('prepares a repeated statement once on the connection (default)', async () => {
    const t = await createTestApp();
    try {
      expect(await preparedOnOneConnection(t)).toEqual({ prepared: 1, results: [2, 3, 4] });
    } finally {
      await t.close();
    }
  });

  it('prepares nothing with DATABASE_PREPARED_STATEMENTS=false', async () => {
    const t = await createTestApp({ DATABASE_PREPARED_STATEMENTS: 'false' });
    try {
      expect(await preparedOnOneConnection(t)).toEqual({ prepared: 0, results: [2, 3, 4] });
    } finally {
      await t.close();
    }
  });
});

/**
 * DATABASE_BATCH_TRANSACTIONS: TypeORM's START TRANSACTION goes in front of the transaction's
 * first statement, and a last statement marked with commitWithNextStatement carries the COMMIT,
 * each pair in one exchange — with the transaction semantics unchanged: a failed statement leaves
 * nothing behind and the connection usable.
 */
describe('transaction boundaries batched with statements on the service pool (e2e)', () => {
  type Send = (this: Client, ...args: unknown[]) => unknown;
  const original = Client.prototype.query as unknown as Send;
  /** Each exchange sent on the service pool: BEGIN / COMMIT batched with a statement included. */
  const exchanges: string[][] = [];
  let t: TestApp;
  let off: TestApp;
  const table = `batch_probe_${process.pid}`;

  beforeAll(async () => {
    (Client.prototype as unknown as { query: Send }).query = function (
      this: Client,
      ...args: unknown[]
    ) {
      // The service pool's clients only (the job engine has a pool of its own).
      if (
        typeof (this as { commitWithNextStatement?: unknown }).commitWithNextStatement !==
        'function'
      )
        return original.apply(this, args);
      const config = args[0] as string | { text?: string; begin?: boolean; commit?: boolean };
      const text = (typeof config === 'string' ? config : (config.text ?? '')).trim();
      const batched = typeof config === 'object' ? config : {};
      exchanges.push([
        ...(batched.begin ? ['BEGIN'] : []),
        text.split(/\s+/).slice(0, 2).join(' '),
        ...(batched.commit ? ['COMMIT'] : []),
      ]);
      return original.apply(this, args);
    };
    t = await createTestApp();
    await t.dataSource.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
    off = await createTestApp({ DATABASE_BATCH_TRANSACTIONS: 'false' });
    await off.dataSource.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
  });
  afterAll(async () => {
    (Client.prototype as unknown as { query: Send }).query = original;
    await t?.close();
    await off?.close();
  });
  beforeEach(async () => {
    await t.dataSource.query(`TRUNCATE ${table}`);
    exchanges.length = 0;
  });

  const ids = async (app: TestApp = t): Promise<number[]> =>
    (await app.dataSource.query<{ id: number }[]>(`SELECT id FROM ${table} ORDER BY id`)).map(
      (row) => row.id,
    );

  /** Whether the connection a runner holds is outside any transaction (usable as before). */
  const idle = async (runner: QueryRunner): Promise<boolean> =>
    (
      (await runner.query('SELECT txid_current_if_assigned() IS NULL AS idle')) as {
        idle: boolean;
      }[]
    )[0].idle;

  it('sends BEGIN with the first statement and COMMIT alone: two exchanges for a one-statement transaction', async () => {
    await t.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO ${table} (id) VALUES ($1)`, [1]);
    });
    expect(exchanges).toEqual([['BEGIN', 'INSERT INTO'], ['COMMIT']]);
    expect(await ids()).toEqual([1]);
  });

  it('sends the COMMIT with a statement marked last, and none after it', async () => {
    await t.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO ${table} (id) VALUES ($1)`, [1]);
      commitWithNextStatement(manager);
      await manager.query(`INSERT INTO ${table} (id) VALUES ($1)`, [2]);
    });
    expect(exchanges).toEqual([
      ['BEGIN', 'INSERT INTO'],
      ['INSERT INTO', 'COMMIT'],
    ]);
    expect(await ids()).toEqual([1, 2]);
  });

  it('keeps the transaction: a concurrent reader sees nothing before the COMMIT', async () => {
    let seenInside: number[] = [];
    await t.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO ${table} (id) VALUES ($1)`, [1]);
      seenInside = await ids();
    });
    expect(seenInside).toEqual([]);
    expect(await ids()).toEqual([1]);
  });

  it('a failing first statement rolls the transaction back and leaves the connection usable', async () => {
    const runner = t.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      await expect(runner.query(`INSERT INTO ${table} (id) VALUES ($1)`, ['x'])).rejects.toThrow(
        /invalid input syntax for type integer/,
      );
      await runner.rollbackTransaction();
      expect(await idle(runner)).toBe(true);
      await runner.startTransaction();
      await runner.query(`INSERT INTO ${table} (id) VALUES ($1)`, [3]);
      await runner.commitTransaction();
    } finally {
      await runner.release();
    }
    expect(await ids()).toEqual([3]);
  });

  it('a failing last statement commits nothing: the COMMIT sent with it is skipped, the ROLLBACK ends it', async () => {
    await expect(
      t.dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO ${table} (id) VALUES ($1)`, [1]);
        commitWithNextStatement(manager);
        await manager.query(`INSERT INTO ${table} (id) VALUES ($1)`, [1]); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(exchanges).toEqual([['BEGIN', 'INSERT INTO'], ['INSERT INTO', 'COMMIT'], ['ROLLBACK']]);
    expect(await ids()).toEqual([]);
    // Every connection of the pool is usable afterwards.
    await Promise.all(
      [1, 2, 3, 4].map((id) => t.dataSource.query(`INSERT INTO ${table} VALUES ($1)`, [id + 10])),
    );
    expect(await ids()).toEqual([11, 12, 13, 14]);
  });

  it('in a nested transaction (a savepoint) a statement marked last does not end the enclosing one', async () => {
    await t.dataSource.transaction(async (outer) => {
      await outer.query(`INSERT INTO ${table} (id) VALUES ($1)`, [1]);
      await outer.transaction(async (inner) => {
        commitWithNextStatement(inner);
        await inner.query(`INSERT INTO ${table} (id) VALUES ($1)`, [2]);
      });
      expect(await ids()).toEqual([]); // nothing committed yet
      await outer.query(`INSERT INTO ${table} (id) VALUES ($1)`, [3]);
    });
    expect(exchanges.some((exchange) => exchange.includes('COMMIT') && exchange.length > 1)).toBe(
      false,
    );
    expect(await ids()).toEqual([1, 2, 3]);
  });

  it('a statement parsed in an exchange that then failed is not parsed again on that connection', async () => {
    // Sent with its BEGIN, it parses, then fails running: the server keeps it prepared, so a
    // second Parse of the same name would fail ("prepared statement … already exists").
    const runner = t.dataSource.createQueryRunner();
    const divide = 'SELECT 10 / $1::int AS quotient';
    try {
      await runner.startTransaction();
      await expect(runner.query(divide, [0])).rejects.toThrow(/division by zero/);
      await runner.rollbackTransaction();
      await runner.startTransaction();
      expect(await runner.query(divide, [2])).toEqual([{ quotient: 5 }]);
      await runner.commitTransaction();
      // And one whose Parse never ran (the BEGIN's exchange failed first) is parsed next time.
      await runner.startTransaction();
      await expect(
        runner.query(`SELECT $1::int AS unparsed FROM ${table}_missing`, [1]),
      ).rejects.toThrow(/does not exist/);
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
  });

  it('a transaction that runs no statement sends nothing', async () => {
    await t.dataSource.transaction(async () => undefined);
    await expect(
      t.dataSource.transaction(async () => {
        throw new Error('before any statement');
      }),
    ).rejects.toThrow('before any statement');
    expect(exchanges).toEqual([]);
  });

  it('a client checked out again never carries a BEGIN its last user left pending', async () => {
    const runner = t.dataSource.createQueryRunner();
    await runner.connect();
    await runner.query('START TRANSACTION'); // a bug: released without COMMIT or ROLLBACK
    await runner.release();
    // The pool hands out the idle client last released; none of them runs in a transaction.
    const again = t.dataSource.createQueryRunner();
    try {
      await again.query(`INSERT INTO ${table} (id) VALUES ($1)`, [5]);
      expect(await idle(again)).toBe(true);
    } finally {
      await again.release();
    }
    expect(await ids()).toEqual([5]);
  });

  it('a pending BEGIN goes first on its own before a call that cannot carry it (callback style)', async () => {
    const runner = t.dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      const client = (runner as unknown as { databaseConnection: Client }).databaseConnection;
      await new Promise<void>((resolve, reject) =>
        client.query(`INSERT INTO ${table} (id) VALUES ($1)`, [7], (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      expect(await idle(runner)).toBe(false); // inside the transaction
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
    expect(exchanges.slice(0, 2)).toEqual([['START TRANSACTION'], ['INSERT INTO']]);
    expect(await ids()).toEqual([]);
  });

  it('with DATABASE_BATCH_TRANSACTIONS=false BEGIN and COMMIT are statements of their own', async () => {
    await off.dataSource.transaction(async (manager) => {
      await manager.query(`INSERT INTO ${table} (id) VALUES ($1)`, [1]);
      commitWithNextStatement(manager);
      await manager.query(`INSERT INTO ${table} (id) VALUES ($1)`, [2]);
    });
    expect(exchanges).toEqual([
      ['START TRANSACTION'],
      ['INSERT INTO'],
      ['INSERT INTO'],
      ['COMMIT'],
    ]);
    expect(await ids(off)).toEqual([1, 2]);
  });
});
