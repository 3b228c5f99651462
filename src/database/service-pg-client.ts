import { createHash } from 'node:crypto';
import { Client, type ClientConfig, Query, type QueryConfig, type QueryResult } from 'pg';
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
 * - A statement sent in front of the transaction's next one (`sendWithNextStatement`): the
 *   webhook's inbox claim travels with the handler's first statement (and the BEGIN), one exchange
 *   under one Sync. The lead statement must raise an error whenever what follows it must not run
 *   (PostgreSQL skips the rest of an exchange after an error): the claim raises on a duplicate.
 *
 * All are protocol-level only: the same statements run in the same transactions, in the same order.
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

/** One unparameterised statement (BEGIN, COMMIT) as extended-protocol messages, without Sync. */
function writeStatement(connection: WireConnection, text: string): void {
  connection.parse({ text, name: '', types: [] });
  connection.bind({ portal: '', statement: '', values: [] });
  connection.execute({ portal: '', rows: 0 });
}

/**
 * A parameterised statement written (unnamed: Parse, Bind with pg's own value mapping, Describe,
 * Execute) in front of another in the same exchange: pg's Query without its Sync.
 */
class LeadQuery extends Query {
  /** Set when its values could not be bound (pg then closed the exchange with a Sync). */
  bindError?: Error;

  constructor(text: string, values: unknown[]) {
    super({ text, values, queryMode: 'extended' } as QueryConfig);
  }

  _getRows(connection: WireConnection): void {
    connection.execute({ portal: '', rows: undefined });
  }

  handleError(error: Error): void {
    this.bindError = error;
  }
}

/** The lead statement of an exchange: its text, values, and who waits for its result. */
class LeadStatement {
  readonly promise: Promise<QueryResult>;
  resolve!: (result: QueryResult) => void;
  reject!: (error: Error) => void;

  constructor(
    readonly text: string,
    readonly values: unknown[],
  ) {
    this.promise = new Promise<QueryResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // Its outcome is also the exchange's: nobody has to wait for it to be safe.
    this.promise.catch(() => undefined);
  }
}

/** The lead statement was not sent: its transaction ended (rolled back) before any other statement. */
export class LeadStatementNotSentError extends Error {
  constructor() {
    super('the statement to send with the next one was not sent: the transaction ended first');
    this.name = 'LeadStatementNotSentError';
  }
}

/**
 * A statement with BEGIN and/or a lead statement written before it and/or COMMIT after it,
 * answered as one exchange (one Sync). pg hands back one result per command:
 * [BEGIN?, lead?, the statement, COMMIT?].
 */
class BoundaryQuery extends Query {
  /** The lead statement completed before the exchange failed (the failure is the statement's). */
  leadCompleted = false;
  /** ParseComplete messages received, and which of them is the statement's own (0: none sent). */
  private parsesCompleted = 0;
  private ownParse = 0;

  constructor(
    config: QueryConfig,
    readonly begin: boolean,
    readonly commit: boolean,
    readonly lead?: LeadStatement,
  ) {
    super({ ...config, queryMode: 'extended' } as QueryConfig);
  }

  /** Where the statement's own result is in the exchange's results. */
  get resultIndex(): number {
    return (this.begin ? 1 : 0) + (this.lead ? 1 : 0);
  }

  prepare(connection: WireConnection): void {
    const parses = !(
      this as unknown as { hasBeenParsed(c: WireConnection): boolean }
    ).hasBeenParsed(connection);
    if (parses) this.ownParse = (this.begin ? 1 : 0) + (this.lead ? 1 : 0) + 1;
    if (this.begin) writeStatement(connection, 'START TRANSACTION');
    if (this.lead) {
      const lead = new LeadQuery(this.lead.text, this.lead.values);
      (Query.prototype as unknown as { prepare(c: WireConnection): void }).prepare.call(
        lead,
        connection,
      );
      if (lead.bindError) {
        // pg closed the exchange already: it ends with this error, the statement unsent.
        (this as unknown as { _canceledDueToError: Error })._canceledDueToError = lead.bindError;
        return;
      }
    }
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
   * pg marks a named statement parsed at the first ParseComplete of its exchange; here that may
   * be the BEGIN's or the lead's. Marked at its own only: a statement whose Parse was skipped (an
   * error before it) is parsed again next time, one that parsed is not (the server keeps it).
   */
  parseCompleted(
    connection: WireConnection & { submittedNamedStatements: Record<string, string> },
  ): void {
    this.parsesCompleted++;
    const { name, text } = this as unknown as { name?: string; text: string };
    if (name && this.parsesCompleted === this.ownParse) {
      connection.parsedStatements[name] = text;
      delete connection.submittedNamedStatements[name];
    }
  }

  handleError(error: Error, connection: WireConnection): void {
    if (this.lead) this.leadCompleted = this.completedCommands() > (this.begin ? 1 : 0);
    (
      Query.prototype as unknown as { handleError(e: Error, c: WireConnection): void }
    ).handleError.call(this, error, connection);
  }

  /** The lead statement's result, once it completed (read while the exchange fails after it). */
  leadResult(): QueryResult {
    const self = this as unknown as { _results?: QueryResult[]; _result: QueryResult };
    return Array.isArray(self._results) ? self._results[this.begin ? 1 : 0] : self._result;
  }

  /** Commands of the exchange PostgreSQL completed so far. */
  private completedCommands(): number {
    const self = this as unknown as {
      _results?: { command: string | null }[];
      _result: { command: string | null };
    };
    if (Array.isArray(self._results)) return self._results.filter((r) => r.command).length;
    return self._result.command ? 1 : 0;
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
 * Sends `text` in front of the transaction's next statement, after its BEGIN, in the same exchange:
 * one round trip fewer. Its result comes when that exchange is answered (the next statement may
 * be TypeORM's COMMIT); it is rejected with LeadStatementNotSentError when the transaction ends
 * with a ROLLBACK before any other statement. `text` must raise an error whenever the statements
 * behind it must not run: they are already on their way. Returns null where this cannot be done
 * (a host's data source, DATABASE_BATCH_TRANSACTIONS=false, outside a transaction, a lead already
 * waiting): the caller then runs the statement itself.
 */
export function sendWithNextStatement(
  manager: EntityManager,
  text: string,
  values: unknown[],
): Promise<QueryResult> | null {
  const runner = manager.queryRunner as
    { databaseConnection?: unknown; isTransactionActive?: boolean } | undefined;
  if (!runner?.isTransactionActive) return null;
  const client = runner.databaseConnection;
  return client instanceof ServiceClient ? client.sendWithNextStatement(text, values) : null;
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
  /** A statement to send in front of the next one, in the same exchange. */
  private lead?: LeadStatement;

  constructor(config: ClientConfig & { serviceClient?: ServiceClientOptions }) {
    super(config);
    this.prepares = config.serviceClient?.preparedStatements ?? false;
    this.batches = config.serviceClient?.batchTransactions ?? false;
  }

  commitWithNextStatement(): void {
    if (this.batches) this.commitNext = true;
  }

  sendWithNextStatement(text: string, values: unknown[]): Promise<QueryResult> | null {
    if (!this.batches || this.lead) return null;
    this.lead = new LeadStatement(text, values);
    return this.lead.promise;
  }

  resetTransactionBoundaries(): void {
    this.beginPending = false;
    this.commitNext = false;
    this.committedAhead = false;
    this.dropLead();
  }

  /** pg's ParseComplete handler; a batched exchange counts its own (see BoundaryQuery). */
  _handleParseComplete(): void {
    const self = this as unknown as {
      _getActiveQuery(): unknown;
      connection: WireConnection & { submittedNamedStatements: Record<string, string> };
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

  private dropLead(): void {
    this.lead?.reject(new LeadStatementNotSentError());
    this.lead = undefined;
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
      const lead = this.lead;
      this.lead = undefined;
      if (lead) {
        (this.send(lead.text, lead.values, undefined) as Promise<QueryResult>).then(
          lead.resolve,
          lead.reject,
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
    if (ends && this.lead) {
      if (COMMIT.test(config)) return this.sendLeadWithCommit();
      this.dropLead();
    }
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
    const lead = this.lead;
    this.beginPending = false;
    this.commitNext = false;
    this.lead = undefined;
    if (!begin && !commit && !lead) return this.send(config, values, callback);
    return this.sendWithBoundaries(config, plain ? [] : (values as unknown[]), {
      begin,
      commit,
      lead,
    }) as never;
  }

  /** TypeORM's COMMIT with a lead statement still waiting: [BEGIN?] lead COMMIT, one exchange. */
  private sendLeadWithCommit(): never {
    const lead = this.lead!;
    this.lead = undefined;
    const begin = this.beginPending;
    this.beginPending = false;
    this.commitNext = false;
    return this.sendWithBoundaries(lead.text, lead.values, { begin, commit: true }).then(
      (result) => {
        lead.resolve(result);
        this.committedAhead = false;
        return answered('COMMIT');
      },
      (error: Error) => {
        lead.reject(error);
        throw error;
      },
    ) as never;
  }

  private sendWithBoundaries(
    text: string,
    values: unknown[],
    exchange: { begin: boolean; commit: boolean; lead?: LeadStatement },
  ): Promise<QueryResult> {
    const { begin, commit, lead } = exchange;
    const name = values.length > 0 ? this.preparedName(text) : undefined;
    const query = new BoundaryQuery(
      { text, values, ...(name ? { name } : {}) },
      begin,
      commit,
      lead,
    );
    return new Promise((resolve, reject) => {
      (query as unknown as { callback: (e: Error | null, r: unknown) => void }).callback = (
        error,
        results,
      ) => {
        const list = (Array.isArray(results) ? results : [results]) as QueryResult[];
        if (error) {
          // The lead's own failure, or (it completed) the statement's: the lead ran then.
          if (lead && query.leadCompleted) lead.resolve(query.leadResult());
          else lead?.reject(error);
          reject(error);
          return;
        }
        if (commit) this.committedAhead = true;
        // The lead's result first: its waiter knows it before the statement's caller goes on.
        lead?.resolve(list[begin ? 1 : 0]);
        resolve(list[query.resultIndex]);
      };
      (super.query as (q: unknown) => unknown)(query);
    });
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
