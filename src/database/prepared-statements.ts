import { createHash } from 'node:crypto';
import { Client, type QueryConfig } from 'pg';

/** Statements one connection keeps prepared; past this, a statement runs unnamed (parsed each time). */
const MAX_PREPARED_PER_CONNECTION = 1000;

/** Names already computed, by statement text (the texts are a bounded set; see above). */
const names = new Map<string, string>();

function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `p_${createHash('sha1').update(text).digest('base64url')}`;
    if (names.size < MAX_PREPARED_PER_CONNECTION) names.set(text, name);
  }
  return name;
}

/**
 * A `pg` client that runs every parameterised statement as a named prepared statement
 * (named by a digest of its text), so PostgreSQL parses and plans a statement the service
 * repeats once per connection instead of on every call. The service's own SQL and
 * TypeORM's are a bounded set of texts; a connection prepares at most
 * MAX_PREPARED_PER_CONNECTION of them.
 */
export class PreparingClient extends Client {
  private readonly prepared = new Set<string>();

  override query(config: unknown, values?: unknown, callback?: unknown): never {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (this.prepared.has(name) || this.prepared.size < MAX_PREPARED_PER_CONNECTION) {
        this.prepared.add(name);
        const named: QueryConfig = { name, text: config, values: values as unknown[] };
        return (super.query as (...args: unknown[]) => never)(named, callback);
      }
    }
    return (super.query as (...args: unknown[]) => never)(config, values, callback);
  }
}
