import { EventEmitter } from 'node:events';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  Logger as WorkerLogger,
  run,
  runMigrations,
  type Runner,
  type Task,
  type TaskList,
  type WorkerEvents,
} from 'graphile-worker';
import { Client, Pool, type PoolClient, type PoolConfig } from 'pg';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { InjectPaymentDataSource } from '../database/payment-data-source';
import { DataSource } from 'typeorm';

/** The graphile-worker schema (created by its own migrator at start). */
export const JOB_SCHEMA = 'graphile_worker';
/** Held while the job schema is installed or upgraded (one instance at a time). */
const SCHEMA_LOCK = 'payment:job-engine-schema';

/** Namespace of the advisory locks that say "this worker's instance is alive". */
const WORKER_ALIVE_LOCK = 7_310_001;

/**
 * The job engine (DESIGN §7, §10): graphile-worker 0.16 on the service's
 * PostgreSQL. It delivers durable events and runs the scheduled jobs; features
 * register their tasks in onModuleInit and enqueue jobs with SQL inside their
 * own transaction (`graphile_worker.add_job()`), so a job exists if and only if
 * the change that asked for it committed.
 *
 * graphile-worker 0.16 keeps a crashed worker's job locked for 4 hours. Each
 * worker of this instance therefore holds a session advisory lock keyed by its
 * worker id on a dedicated connection; a sweep every few seconds releases
 * (`force_unlock_workers`) the jobs of workers whose lock is free — their
 * process is gone — so a delivery interrupted by a crash runs again within
 * EVENT_STALE_LOCK_SECONDS plus one sweep.
 */
@Injectable()
export class JobEngine implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobEngine.name);
  private readonly tasks: TaskList = {};
  private pool?: Pool;
  private runner?: Runner;
  private aliveClient?: PoolClient;
  private readonly ownWorkers = new Set<string>();
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;
  private started = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectPaymentDataSource() private readonly dataSource: DataSource,
  ) {}

  /** The same database TypeORM uses (the embedded server, DATABASE_URL, or a host app's data source). */
  private get connection(): PoolConfig {
    const options = this.dataSource.options as {
      url?: string;
      host?: string;
      port?: number;
      username?: string;
      password?: string | (() => string | Promise<string>);
      database?: string;
      ssl?: PoolConfig['ssl'];
    };
    return {
      connectionString: options.url,
      host: options.host,
      port: options.port,
      user: options.username,
      password: options.password,
      database: options.database,
      ssl: options.ssl,
    };
  }

  /** Registers a task (before the app finishes booting: call it from onModuleInit). */
  registerTask(name: string, task: Task): void {
    if (this.started) throw new Error(`task "${name}" registered after the job engine started`);
    if (this.tasks[name]) throw new Error(`task "${name}" is already registered`);
    this.tasks[name] = task;
  }

  /** The engine's pool (its own connections, apart from TypeORM's). */
  get pgPool(): Pool {
    if (!this.pool) throw new Error('the job engine has not started');
    return this.pool;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.started = true;
    const { concurrency, worker } = this.config.events;
    this.pool = new Pool({
      ...this.connection,
      max: concurrency + 4,
      application_name: 'payment-service-jobs',
    });
    this.pool.on('error', (error) =>
      this.logger.warn({ msg: 'job engine connection error', error: error.message }),
    );
    const logger = this.workerLogger();
    // Its schema must exist before the first transaction enqueues a job (also in the CLI).
    // Instances starting together on an empty database install it one at a time: two
    // concurrent CREATE SCHEMA IF NOT EXISTS can still collide (duplicate key in pg_namespace).
    // A connection of its own, outside the pool (the pool's clients go on to other uses).
    const installer = new Client(this.connection);
    installer.on('error', () => undefined);
    await installer.connect();
    try {
      await installer.query('SELECT pg_advisory_lock(hashtext($1))', [SCHEMA_LOCK]);
      await runMigrations({ pgPool: this.pool, schema: JOB_SCHEMA, logger });
    } finally {
      // Ending the session releases its lock.
      await installer.end().catch(() => undefined);
    }
    if (!worker) return;

    this.aliveClient = await this.pool.connect();
    const events: WorkerEvents = new EventEmitter() as WorkerEvents;
    events.on('worker:create', ({ worker: created }) => {
      this.ownWorkers.add(created.workerId);
      void this.holdAliveLock(created.workerId);
    });
    events.on('worker:release', ({ worker: released }) => {
      this.ownWorkers.delete(released.workerId);
    });
    this.runner = await run({
      pgPool: this.pool,
      schema: JOB_SCHEMA,
      taskList: this.tasks,
      concurrency,
      noHandleSignals: true,
      pollInterval: 1000,
      logger,
      events,
    });
    this.runner.promise.catch((error: unknown) =>
      this.logger.error({ msg: 'job engine stopped', error: (error as Error)?.message }),
    );
    this.sweepTimer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(() => undefined)
        .catch((error: unknown) =>
          this.logger.warn({ msg: 'stale job sweep failed', error: (error as Error)?.message }),
        )
        .finally(() => (this.sweeping = undefined));
    }, 2000);
    this.sweepTimer.unref();
  }

  /** Lets running jobs finish, then closes the engine's connections. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sweeping;
    await this.runner
      ?.stop()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'job engine stop failed', error: (error as Error)?.message }),
      );
    await this.aliveLocks;
    this.aliveClient?.release();
    await this.pool?.end();
  }

  /**
   * Releases the jobs locked (for longer than EVENT_STALE_LOCK_SECONDS) by
   * workers whose instance no longer holds their alive lock.
   */
  async sweep(): Promise<string[]> {
    const pool = this.pgPool;
    const { rows } = await pool.query<{ locked_by: string }>(
      `SELECT DISTINCT locked_by FROM ${JOB_SCHEMA}._private_jobs
        WHERE locked_by IS NOT NULL AND locked_at < now() - make_interval(secs => $1)`,
      [this.config.events.staleLockSeconds],
    );
    const dead: string[] = [];
    const candidates = rows.map((r) => r.locked_by).filter((id) => !this.ownWorkers.has(id));
    if (candidates.length === 0) return dead;
    const client = await pool.connect();
    try {
      for (const workerId of candidates) {
        const { rows: probe } = await client.query<{ free: boolean }>(
          'SELECT pg_try_advisory_lock($1, hashtext($2)) AS free',
          [WORKER_ALIVE_LOCK, workerId],
        );
        if (!probe[0].free) continue;
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [
          WORKER_ALIVE_LOCK,
          workerId,
        ]);
        dead.push(workerId);
      }
      if (dead.length > 0) {
        await client.query(`SELECT ${JOB_SCHEMA}.force_unlock_workers($1::text[])`, [dead]);
        this.logger.warn({ msg: 'released the jobs of workers that died', workers: dead });
      }
    } finally {
      client.release();
    }
    return dead;
  }

  private aliveLocks: Promise<unknown> = Promise.resolve();

  /** One query at a time on the dedicated connection. */
  private holdAliveLock(workerId: string): Promise<void> {
    const next = this.aliveLocks.then(() => this.takeAliveLock(workerId));
    this.aliveLocks = next;
    return next;
  }

  private async takeAliveLock(workerId: string): Promise<void> {
    try {
      await this.aliveClient?.query('SELECT pg_advisory_lock($1, hashtext($2))', [
        WORKER_ALIVE_LOCK,
        workerId,
      ]);
    } catch (error) {
      this.logger.warn({
        msg: 'could not take a worker alive lock',
        error: (error as Error).message,
      });
    }
  }

  private workerLogger(): WorkerLogger {
    return new WorkerLogger((scope) => (level, message, meta) => {
      // LogLevel is a const enum (not usable under isolatedModules): compare its string values.
      const name = String(level);
      if (name === 'error') this.logger.error({ msg: message, scope, ...meta });
      else if (name === 'warning') this.logger.warn({ msg: message, scope });
    });
  }
}
