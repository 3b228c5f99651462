import { InitialSchema1795755171368 } from './1795755171368-InitialSchema';

/**
 * Every migration, in order. A new migration file must be added here too
 * (migrations.spec.ts fails when one is missing).
 */
export const MIGRATIONS: Function[] = [InitialSchema1795755171368];
