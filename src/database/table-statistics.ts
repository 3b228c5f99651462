import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { InjectPaymentDataSource } from './payment-data-source';
import { withSessionAdvisoryLock } from './advisory-lock';
import { ENTITIES } from './entities';

/**
 * Besides the entities' tables: the outbox deliveries, whose drain claim went wrong first with
 * stale statistics.
 */
const OTHER_TABLES = ['payment_event_delivery'];

/** A table is analysed once it changed by more than this many rows and more than its size. */
const MIN_CHANGED_ROWS = 1000;

/**
 * Keeps the planner statistics of the service's tables fresh after a burst
 * (DATABASE_ANALYZE_CHECK_SECONDS). Autovacuum analyses a table at most once a minute (its
 * naptime), and a fresh install or a burst of payments leaves a table with statistics from when it
 * was a tenth of its size: then the drain's claim read the whole backlog of a shard for each
 * candidate (20 ms a batch of 20 against 5 ms; issue 13, bench/RESULTS.md part 5). Every few
 * seconds the worker instance looks at PostgreSQL's counters and runs ANALYZE on one of its tables
 * that has changed by more rows than it had (and at least MIN_CHANGED_ROWS): a few times in a
 * table's growth, not on every change. One instance at a time (an advisory lock); a table the role
 * does not own is left to autovacuum, and a failing check is told once in the log and stops.
 */
@Injectable()
export class TableStatistics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(TableStatistics.name);
  private timer?: NodeJS.Timeout;
  private checking?: Promise<unknown>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.databaseAnalyzeCheckSeconds;
    if (seconds === 0 || !this.config.events.worker) return;
    this.timer = setInterval(() => {
      this.checking ??= this.analyzeStale()
        .catch((error: unknown) => this.stop(error))
        .finally(() => (this.checking = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.checking;
  }

  /** Analyses the watched tables that changed more than their size since their last ANALYZE. */
  async analyzeStale(): Promise<string[]> {
    const stale = (
      await this.dataSource.query<{ table: string }[]>(
        `SELECT s.relname AS table FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
          WHERE s.relid = ANY (SELECT to_regclass(t)::oid FROM unnest($1::text[]) AS t)
            AND s.n_mod_since_analyze > GREATEST($2::float8, c.reltuples)
            -- ANALYZE skips, with a warning, a table the role does not own: left to autovacuum.
            AND (pg_has_role(c.relowner, 'MEMBER')
                 OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user))`,
        [this.watchedTables(), MIN_CHANGED_ROWS],
      )
    ).map((row) => row.table);
    if (stale.length === 0) return [];
    const run = await withSessionAdvisoryLock(
      this.dataSource,
      'payment:analyze-tables',
      async (runner) => {
        for (const table of stale) await runner.query(`ANALYZE ${quoteIdentifier(table)}`);
      },
    );
    if (!run.locked) return [];
    this.logger.debug({ msg: 'analysed tables after a burst of changes', tables: stale });
    return stale;
  }

  /** The service's tables: its entities' (money rows, disputes, the inbox, …) and the deliveries. */
  private watchedTables(): string[] {
    return [
      ...ENTITIES.map((entity) => this.dataSource.getMetadata(entity).tableName),
      ...OTHER_TABLES,
    ];
  }

  private stop(error: unknown): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.logger.warn({
      msg: 'table statistics check stopped (autovacuum keeps analysing)',
      error: (error as Error)?.message ?? String(error),
    });
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
