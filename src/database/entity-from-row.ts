import type { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';

/**
 * An entity as the ORM loads it (`findOneBy`), from a row a write statement returned
 * (`RETURNING *`): every column through the driver's hydration and the column's transformer.
 * Spares the SELECT that would read back a row just inserted or updated.
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
