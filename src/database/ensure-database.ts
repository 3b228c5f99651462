import { Client } from 'pg';

/** A database problem found before the app is built: one line for the operator, no stack. */
export class DatabaseStartupError extends Error {}

const INVALID_CATALOG_NAME = '3D000';
const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Makes sure the database named by `url` exists: when it does not, creates it
 * through the `postgres` maintenance database if the role may, and otherwise
 * throws a DatabaseStartupError naming the database and the role. Other
 * connection problems are left to the normal start (they may be transient).
 * Returns true when it created the database.
 */
export async function ensureDatabaseExists(
  url: string,
  log: (message: string) => void = () => undefined,
): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return false;
  const probe = new Client({ connectionString: url });
  try {
    await probe.connect();
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== INVALID_CATALOG_NAME) return false;
  } finally {
    await probe.end().catch(() => undefined);
  }

  const role = target.username
    ? `role "${decodeURIComponent(target.username)}"`
    : 'the connecting role';
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = new Client({ connectionString: maintenance.toString() });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => undefined);
    throw new DatabaseStartupError(
      `database "${name}" named by DATABASE_URL does not exist, and it could not be created (the "postgres" maintenance database refused ${role}: ${(error as Error).message}); create it, or point DATABASE_URL at one that exists`,
    );
  }
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    log(`created database "${name}" named by DATABASE_URL`);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    // Another instance starting at the same moment created it first.
    if (code === DUPLICATE_DATABASE || code === UNIQUE_VIOLATION) return false;
    throw new DatabaseStartupError(
      `database "${name}" named by DATABASE_URL does not exist, and ${role} may not create it (${(error as Error).message}); create it, or point DATABASE_URL at one that exists`,
    );
  } finally {
    await admin.end().catch(() => undefined);
  }
}
