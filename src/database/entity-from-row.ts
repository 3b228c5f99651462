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
 * Updates the row `id` of `target`'s table with `values` (mapped by the driver as the ORM's
 * update maps them, transformers included; a function value is an SQL expression, and the
 * update-date column is set to now unless given, as `update` does) and returns it as stored
 * (`RETURNING *`, raw: for `entityFromRow`), or undefined when there is no such row. Spares the
 * SELECT that would read it back, and (raw SQL) the query builder's cost on the hot path.
 */
export async function updateReturning<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  id: number,
  values: QueryDeepPartialEntity<T>,
): Promise<Record<string, unknown> | undefined> {
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const assignments: string[] = [];
  const parameters: unknown[] = [];
  for (const column of metadata.columns) {
    if (column.isPrimary) continue;
    const value: unknown = column.getEntityValue(values);
    if (value === undefined) continue;
    const name = driver.escape(column.databaseName);
    if (typeof value === 'function') {
      assignments.push(`${name} = ${(value as () => string)()}`);
      continue;
    }
    parameters.push(driver.preparePersistentValue(value, column));
    assignments.push(`${name} = $${parameters.length}`);
  }
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
  return rows[0];
}

/** INSERT statements by table and column list (a bounded set: one per call site's columns). */
const insertStatements = new Map<string, string>();

/**
 * Inserts one row of `target`'s table with `values` (each column mapped by the driver as the
 * ORM's insert maps it, transformer included; columns not given take their defaults) and returns
 * it as stored (`RETURNING *`, raw: for `entityFromRow`); with `onConflictDoNothing`, undefined
 * when a unique constraint already holds such a row. Raw SQL: TypeORM's insert query builder was
 * an eighth of the service's CPU on the webhook hot path (issue 13).
 */
export async function insertReturning<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  values: QueryDeepPartialEntity<T>,
  options: { onConflictDoNothing?: boolean } = {},
): Promise<Record<string, unknown> | undefined> {
  const metadata = manager.connection.getMetadata(target);
  const driver = manager.connection.driver;
  const names: string[] = [];
  const parameters: unknown[] = [];
  for (const column of metadata.columns) {
    const value: unknown = column.getEntityValue(values);
    if (value === undefined) continue;
    names.push(column.databaseName);
    parameters.push(driver.preparePersistentValue(value, column));
  }
  const key = `${metadata.tableName}|${names.join(',')}|${options.onConflictDoNothing === true}`;
  let sql = insertStatements.get(key);
  if (sql === undefined) {
    sql =
      `INSERT INTO ${driver.escape(metadata.tableName)} (${names.map((name) => driver.escape(name)).join(', ')}) ` +
      `VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})` +
      (options.onConflictDoNothing ? ' ON CONFLICT DO NOTHING' : '') +
      ' RETURNING *';
    insertStatements.set(key, sql);
  }
  const rows = await manager.query<Record<string, unknown>[]>(sql, parameters);
  return rows[0];
}
