import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

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
 * Runs one SELECT that returns whole rows of `target`'s table (`SELECT * … FOR UPDATE`) and
 * hydrates them as the ORM would: raw SQL where the query builder's cost shows on the webhook
 * hot path, entities as everywhere else.
 */
export async function queryEntities<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  const rows = await manager.query<Record<string, unknown>[]>(sql, parameters);
  return rows.map((row) => entityFromRow(manager, target, row));
}

/**
 * The columns `values` gives (undefined: not given), each with its SQL: a parameter appended to
 * `parameters`, mapped by the driver as the ORM's insert and update map it (transformers
 * included), or for a function value the SQL expression it returns, as the ORM takes it.
 */
function givenColumns<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  values: QueryDeepPartialEntity<T>,
  parameters: unknown[],
): { name: string; sql: string }[] {
  const driver = manager.connection.driver;
  const given: { name: string; sql: string }[] = [];
  for (const column of manager.connection.getMetadata(target).columns) {
    const value: unknown = column.getEntityValue(values);
    if (value === undefined) continue;
    const name = driver.escape(column.databaseName);
    if (typeof value === 'function') {
      given.push({ name, sql: (value as () => string)() });
      continue;
    }
    parameters.push(driver.preparePersistentValue(value, column));
    given.push({ name, sql: `$${parameters.length}` });
  }
  return given;
}

/**
 * Updates the row `id` of `target`'s table with `values` (see givenColumns; the update-date column
 * is set to now unless given, as the ORM's `update` does) and returns it as stored (`RETURNING *`,
 * hydrated by `entityFromRow`), or undefined when there is no such row. Spares the SELECT that would
 * read it back, and (raw SQL) the query builder's cost on the webhook hot path (issue 13).
 */
export async function updateReturning<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  id: number,
  values: QueryDeepPartialEntity<T>,
): Promise<T | undefined> {
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const parameters: unknown[] = [];
  const assignments = givenColumns(manager, target, values, parameters).map(
    ({ name, sql }) => `${name} = ${sql}`,
  );
  const updateDate = metadata.updateDateColumn;
  if (updateDate && updateDate.getEntityValue(values) === undefined)
    assignments.push(`${driver.escape(updateDate.databaseName)} = CURRENT_TIMESTAMP`);
  parameters.push(id);
  // TypeORM answers an UPDATE with [rows, affected count].
  const [rows] = await manager.query<[Record<string, unknown>[], number]>(
    `UPDATE ${driver.escape(metadata.tableName)} SET ${assignments.join(', ')} ` +
      `WHERE ${driver.escape(metadata.primaryColumns[0].databaseName)} = $${parameters.length} RETURNING *`,
    parameters,
  );
  return rows[0] && entityFromRow(manager, target, rows[0]);
}

/**
 * Inserts one row of `target`'s table with `values` (see givenColumns; columns not given take
 * their defaults) and returns it as stored (`RETURNING *`, hydrated by `entityFromRow`); with
 * `onConflictDoNothing`, undefined when a unique constraint already holds such a row. Raw SQL:
 * TypeORM's insert query builder was an eighth of the service's CPU per webhook (issue 13).
 */
export async function insertReturning<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  values: QueryDeepPartialEntity<T>,
  options: { onConflictDoNothing?: boolean } = {},
): Promise<T | undefined> {
  const parameters: unknown[] = [];
  const given = givenColumns(manager, target, values, parameters);
  const table = manager.connection.driver.escape(manager.connection.getMetadata(target).tableName);
  const rows = await manager.query<Record<string, unknown>[]>(
    `INSERT INTO ${table} (${given.map((column) => column.name).join(', ')}) ` +
      `VALUES (${given.map((column) => column.sql).join(', ')})` +
      (options.onConflictDoNothing ? ' ON CONFLICT DO NOTHING' : '') +
      ' RETURNING *',
    parameters,
  );
  return rows[0] && entityFromRow(manager, target, rows[0]);
}
