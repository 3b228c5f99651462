import { createTestApp, type TestApp } from '../support/test-app';

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
