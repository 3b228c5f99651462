import { createHash } from 'node:crypto';
import { Client, type ClientConfig, Query, type QueryConfig } from 'pg';
import type { EntityManager } from 'typeorm';

/*
 * The `pg` client of the service's own pool (TypeORM's `extra.Client`). Each statement is a round
 * trip to PostgreSQL, and on the webhook hot path the round trips are the cost (issue 13): one
 * socket write and one wake-up of the server each. This client saves two kinds:
 *
 * - Prepared statements (DATABASE_PREPARED_STATEMENTS): a parameterised statement runs as a named
 *   prepared statement, named by a digest of its text, so PostgreSQL parses and plans a statement
 *   the service repeats once per connection instead of on every call.
 * - Transaction boundaries in the same round trip (DATABASE_BATCH_TRANSACTIONS): TypeORM's
 *   `START TRANSACTION` is not sent on its own but in front of the transaction's first statement,
 *   and a transaction's last statement can carry its COMMIT (`commitWithNextStatement`), each pair
 *   in one exchange under one Sync: if the BEGIN fails nothing runs; if the statement fails the
 *   COMMIT is skipped and the transaction stays open (aborted) for TypeORM's ROLLBACK, as before.
 *
 * Both are protocol-level only: the same statements run in the same transactions.
 */

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

const BEGIN = /^\s*(START TRANSACTION|BEGIN)\s*;?\s*$/i;
const COMMIT = /^\s*(COMMIT|END)\s*;?\s*$/i;
const ROLLBACK = /^\s*ROLLBACK\s*;?\s*$/i;

/** The answer to a transaction-control statement the client did not need to send (a pg Result's shape). */
function answered(command: string): Record<string, unknown> {
  return { command, rowCount: null, oid: null, rows: [], fields: [] };
}

/** pg's wire connection, as far as a Query writes to it (see pg/lib/query.js). */
interface WireConnection {
  parse(config: { text: string; name: string; types: unknown[] }): void;
  bind(config: { portal: string; statement: string; values: unknown[] }): void;
  execute(config: { portal: string; rows: number | undefined }): void;
  sync(): void;
  parsedStatements: Record<string, string>;
}

type SubmittingConnection = WireConnection & { submittedNamedStatements: Record<string, string> };

/** One unparameterised statement (BEGIN, COMMIT) as extended-protocol messages, without Sync. */
function writeStatement(connection: WireConnection, text: string): void {
  connection.parse({ text, name: '', types: [] });
  connection.bind({ portal: '', statement: '', values: [] });
  connection.execute({ portal: '', rows: 0 });
}

/**
 * A statement with BEGIN written before it and/or COMMIT after it, answered as one exchange (one
 * Sync). pg hands back one result per command: [BEGIN?, the statement, COMMIT?].
 */
class BoundaryQuery extends Query {
  /** ParseComplete messages received so far, and which one is the statement's own (0: not parsed here). */
  private parsesCompleted = 0;
  private ownParse = 0;

  constructor(
    config: QueryConfig,
    readonly begin: boolean,
    readonly commit: boolean,
  ) {
    super({ ...config, queryMode: 'extended' } as QueryConfig);
  }

  prepare(connection: WireConnection): void {
    const parses = !(
      this as unknown as { hasBeenParsed(c: WireConnection): boolean }
    ).hasBeenParsed(connection);
    if (parses) this.ownParse = this.begin ? 2 : 1;
    if (this.begin) writeStatement(connection, 'START TRANSACTION');
    (Query.prototype as unknown as { prepare(c: WireConnection): void }).prepare.call(
      this,
      connection,
    );
  }

  /** pg's last step of prepare (execute, then Sync): the COMMIT goes in before the Sync. */
  _getRows(connection: WireConnection, rows: number | undefined): void {
    if (!this.commit || rows) {
      (
        Query.prototype as unknown as { _getRows(c: WireConnection, r?: number): void }
      )._getRows.call(this, connection, rows);
      return;
    }
    connection.execute({ portal: (this as unknown as { portal: string }).portal, rows });
    writeStatement(connection, 'COMMIT');
    connection.sync();
  }

  /**
   * pg marks the query's named statement parsed at the first ParseComplete of its exchange, which
   * here is the BEGIN's. Marked at its own instead: a statement whose Parse was skipped (the BEGIN
   * failed) is parsed again next time, and one that parsed and then failed to run is not (the
   * server keeps it: a second Parse would fail with "prepared statement … already exists").
   */
  parseCompleted(connection: SubmittingConnection): void {
    this.parsesCompleted++;
    const { name, text } = this as unknown as { name?: string; text: string };
    if (name && this.parsesCompleted === this.ownParse) {
      connection.parsedStatements[name] = text;
      delete connection.submittedNamedStatements[name];
    }
  }
}

export interface ServiceClientOptions {
  /** DATABASE_PREPARED_STATEMENTS */
  preparedStatements: boolean;
  /** DATABASE_BATCH_TRANSACTIONS */
  batchTransactions: boolean;
}

/**
 * The `extra` options of the service's own data source for these options: the client class and
 * its settings (pg's pool hands its options to every client it creates), or none when both are
 * off (pg's own client).
 */
export function serviceClientExtra(options: ServiceClientOptions): Record<string, unknown> {
  if (!options.preparedStatements && !options.batchTransactions) return {};
  return { Client: ServiceClient, serviceClient: options };
}

/**
 * The transaction's next statement is its last: its COMMIT goes with it, and TypeORM's COMMIT
 * after it costs nothing. Nothing may run in the transaction after that statement (the caller
 * returns from the transaction callback right after it). A no-op on any other client (a host's
 * data source, DATABASE_BATCH_TRANSACTIONS=false): TypeORM commits as usual.
 */
export function commitWithNextStatement(manager: EntityManager): void {
  const runner = manager.queryRunner as
    { databaseConnection?: unknown; transactionDepth?: number } | undefined;
  // Only the outermost transaction: inside a nested one (a savepoint) the COMMIT would end the
  // enclosing transaction early.
  if (runner?.transactionDepth !== 1) return;
  if (runner.databaseConnection instanceof ServiceClient)
    runner.databaseConnection.commitWithNextStatement();
}

/**
 * After a client is checked out of the pool: a transaction boundary left pending by its last user
 * (a transaction neither committed nor rolled back: a bug) must not reach the next one.
 */
export function resetTransactionBoundaries(client: unknown): void {
  if (client instanceof ServiceClient) client.resetTransactionBoundaries();
}

class ServiceClient extends Client {
  private readonly prepares: boolean;
  private readonly batches: boolean;
  private readonly prepared = new Set<string>();
  /** TypeORM's START TRANSACTION, not sent yet: it goes in front of the next statement. */
  private beginPending = false;
  /** The next statement is the transaction's last: its COMMIT goes with it. */
  private commitNext = false;
  /** The transaction was committed with its last statement: TypeORM's COMMIT is answered here. */
  private committedAhead = false;

  constructor(config: ClientConfig & { serviceClient?: ServiceClientOptions }) {
    super(config);
    this.prepares = config.serviceClient?.preparedStatements ?? false;
    this.batches = config.serviceClient?.batchTransactions ?? false;
  }

  commitWithNextStatement(): void {
    if (this.batches) this.commitNext = true;
  }

  resetTransactionBoundaries(): void {
    this.beginPending = false;
    this.commitNext = false;
    this.committedAhead = false;
  }

  /** pg's ParseComplete handler; a batched exchange counts its own (see BoundaryQuery). */
  _handleParseComplete(): void {
    const self = this as unknown as {
      _getActiveQuery(): unknown;
      connection: SubmittingConnection;
    };
    const active = self._getActiveQuery();
    if (active instanceof BoundaryQuery) {
      active.parseCompleted(self.connection);
      return;
    }
    (Client.prototype as unknown as { _handleParseComplete(): void })._handleParseComplete.call(
      this,
    );
  }

  override query(config: unknown, values?: unknown, callback?: unknown): never {
    if (
      !this.batches ||
      typeof config !== 'string' ||
      typeof values === 'function' ||
      callback !== undefined
    ) {
      // A call that cannot carry it (callback style, a query object: not what TypeORM sends):
      // a pending BEGIN goes first on its own, in order.
      if (this.beginPending) {
        this.beginPending = false;
        // Its failure would be the connection's, which the call behind it meets too.
        (this.send('START TRANSACTION', undefined, undefined) as Promise<unknown>).catch(
          () => undefined,
        );
      }
      return this.send(config, values, callback);
    }
    const plain = values === undefined || (Array.isArray(values) && values.length === 0);
    if (plain && BEGIN.test(config) && !this.beginPending) {
      this.committedAhead = false;
      this.beginPending = true;
      return Promise.resolve(answered('BEGIN')) as never;
    }
    const ends = plain && (COMMIT.test(config) || ROLLBACK.test(config));
    if (ends && this.beginPending) {
      // A transaction that ran no statement: nothing was sent, nothing to end.
      this.resetTransactionBoundaries();
      return Promise.resolve(answered(COMMIT.test(config) ? 'COMMIT' : 'ROLLBACK')) as never;
    }
    if (ends && this.committedAhead && COMMIT.test(config)) {
      this.committedAhead = false;
      return Promise.resolve(answered('COMMIT')) as never;
    }
    this.committedAhead = false;
    const begin = this.beginPending;
    const commit = this.commitNext && !ends;
    this.beginPending = false;
    this.commitNext = false;
    if (!begin && !commit) return this.send(config, values, callback);
    return this.sendWithBoundaries(config, plain ? [] : (values as unknown[]), begin, commit);
  }

  private sendWithBoundaries(
    text: string,
    values: unknown[],
    begin: boolean,
    commit: boolean,
  ): never {
    const name = values.length > 0 ? this.preparedName(text) : undefined;
    const query = new BoundaryQuery({ text, values, ...(name ? { name } : {}) }, begin, commit);
    return new Promise((resolve, reject) => {
      (query as unknown as { callback: (e: Error | null, r: unknown) => void }).callback = (
        error,
        results,
      ) => {
        if (error) {
          reject(error);
          return;
        }
        const list = Array.isArray(results) ? results : [results];
        if (commit) this.committedAhead = true;
        resolve(list[begin ? 1 : 0]);
      };
      (super.query as (q: unknown) => unknown)(query);
    }) as never;
  }

  private send(config: unknown, values: unknown, callback: unknown): never {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = this.preparedName(config);
      if (name) {
        const named: QueryConfig = { name, text: config, values: values as unknown[] };
        return (super.query as (...args: unknown[]) => never)(named, callback);
      }
    }
    return (super.query as (...args: unknown[]) => never)(config, values, callback);
  }

  /** The statement's prepared name on this connection, or undefined (not preparing, or the cap reached). */
  private preparedName(text: string): string | undefined {
    if (!this.prepares) return undefined;
    const name = statementName(text);
    if (this.prepared.has(name) || this.prepared.size < MAX_PREPARED_PER_CONNECTION) {
      this.prepared.add(name);
      return name;
    }
    return undefined;
  }
}
