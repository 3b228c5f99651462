import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { pino } from 'pino';
import type { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { createNestLogger, createRootLogger } from '../common/logging';
import { APP_CONFIG, loadConfig, type AppConfig } from '../config/app-config';
import { resolveDatabase, type DatabaseHandle } from '../database/embedded-postgres';
import { PAYMENT_DATA_SOURCE } from '../database/payment-data-source';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/**
 * One invocation of the CLI: its output, its environment, and the service's own
 * Nest context, started on the first command that needs it. Parsing, --help,
 * --version and usage errors therefore never touch configuration or a database.
 */
export class CliRuntime {
  /** Set by a command whose work partly failed (e.g. a refund retry that failed again). */
  exitCode = 0;
  private config?: AppConfig;
  private database?: Promise<DatabaseHandle>;
  private context?: Promise<INestApplicationContext>;

  /** `app`: run the commands inside this already running app (not closed here) instead of starting one. */
  constructor(
    readonly io: CliIo,
    private readonly env: Record<string, string | undefined>,
    private readonly runningApp?: INestApplicationContext,
  ) {}

  out(text: string): void {
    this.io.out(text);
  }

  /** Machine-readable output (--json): one JSON document on stdout. */
  json(value: unknown): void {
    this.io.out(JSON.stringify(value, null, 2));
  }

  /** @throws ConfigError naming the invalid variables */
  appConfig(): AppConfig {
    // Inside a running app (a host's PaymentModule): the configuration it was given.
    return (this.config ??= this.runningApp
      ? this.runningApp.get<AppConfig>(APP_CONFIG, { strict: false })
      : loadConfig(this.env));
  }

  /** Inside a running app (a host's PaymentModule): the data source the service uses there. */
  appDataSource(): DataSource | undefined {
    return this.runningApp?.get<DataSource>(PAYMENT_DATA_SOURCE, { strict: false });
  }

  /** DATABASE_URL, or the embedded PostgreSQL in DATA_DIR (attached to when the service runs). */
  async databaseUrl(): Promise<string> {
    const config = this.appConfig();
    this.database ??= resolveDatabase(config.databaseUrl, config.dataDir, {
      attachIfRunning: true,
      logger: { log: () => undefined },
    });
    return (await this.database).url;
  }

  /** The service's Nest context (without its schedules), started once. */
  app(): Promise<INestApplicationContext> {
    this.context ??= this.runningApp ? Promise.resolve(this.runningApp) : this.startApp();
    return this.context;
  }

  async close(): Promise<void> {
    const context = this.runningApp ? undefined : this.context;
    const database = this.database;
    this.context = this.database = undefined;
    await context?.then((app) => app.close()).catch(() => undefined);
    await database?.then((handle) => handle.stop()).catch(() => undefined);
  }

  private async startApp(): Promise<INestApplicationContext> {
    const config = this.appConfig();
    const databaseUrl = await this.databaseUrl();
    // Logs go to stderr: stdout is the command's output (tables, --json).
    const logger = createRootLogger(
      config.logLevel === 'info' ? 'warn' : config.logLevel,
      pino.destination({ dest: 2, sync: true }),
    );
    // The CLI runs no jobs: no schedules (`disputes check-deadlines` runs the job once on request)
    // and no event deliveries (the service delivers what a command wrote to the outbox).
    return NestFactory.createApplicationContext(
      AppModule.forRoot({
        config: {
          ...config,
          disputeDeadlineCron: null,
          refundSettleCron: null,
          reconcile: { ...config.reconcile, cron: null },
          events: { ...config.events, worker: false },
        },
        databaseUrl,
        logger,
      }),
      { logger: createNestLogger(logger), abortOnError: false },
    );
  }
}
