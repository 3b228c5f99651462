import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity as the ORM loads it (`findOneBy`), from a row a statement returned (`SELECT *`,
 * `RETURNING *`): every column through the driver's hydration and the column's transformer.
 * Spares the SELECT that would read back a row just inserted or updated, and the query
 * builder's cost on the webhook hot path.
 */
export function entityFromRow<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  raw: Record<string, unknown>,
): T {
  const metadata = manager.connection.getMetadata(target);
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    if (!(column.databaseName in raw)) continue;
    column.setEntityValue(
      entity,
      manager.connection.driver.prepareHydratedValue(raw[column.databaseName], column),
    );
  }
  return entity;
}

/**
 * Runs one statement that returns whole rows of `target`'s table (`SELECT t.* … FOR UPDATE`,
 * `UPDATE … RETURNING *`) and hydrates them as the ORM would: raw SQL where the query builder's
 * cost shows, entities as everywhere else.
 */
export async function queryEntities<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  const rows = await manager.query<Record<string, unknown>[]>(sql, parameters);
  // UPDATE … RETURNING comes back as [rows, affected] from TypeORM's PostgreSQL driver.
  const list = isUpdateResult(rows) ? rows[0] : rows;
  return list.map((row) => entityFromRow(manager, target, row));
}

function isUpdateResult(rows: unknown): rows is [Record<string, unknown>[], number] {
  return (
    Array.isArray(rows) &&
    rows.length === 2 &&
    Array.isArray(rows[0]) &&
    typeof rows[1] === 'number'
  );
}
