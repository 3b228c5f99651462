import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closedToOthers, forwardServerOutput } from './embedded-postgres';

describe('forwardServerOutput', () => {
  function capture() {
    const lines: { level: string; message: unknown; params: unknown[] }[] = [];
    const logger = {
      log: (message: unknown, ...params: unknown[]) =>
        lines.push({ level: 'log', message, params }),
      warn: (message: unknown, ...params: unknown[]) =>
        lines.push({ level: 'warn', message, params }),
      error: (message: unknown, ...params: unknown[]) =>
        lines.push({ level: 'error', message, params }),
      debug: (message: unknown, ...params: unknown[]) =>
        lines.push({ level: 'debug', message, params }),
    };
    return { logger, lines };
  }

  it.each([
    [
      '2026-11-29 18:00:00.000 UTC [42] LOG:  database system is ready to accept connections',
      'debug',
    ],
    ['2026-11-29 18:00:00.000 UTC [42] WARNING:  could not flush dirty data', 'warn'],
    ['2026-11-29 18:00:00.000 UTC [42] FATAL:  lock file "postmaster.pid" already exists', 'error'],
    ['2026-11-29 18:00:00.000 UTC [42] PANIC:  could not write to file', 'error'],
    // A query's error is the client's to report: not an error of the service.
    [
      '2026-11-29 18:00:00.000 UTC [42] ERROR:  duplicate key value violates unique constraint',
      'debug',
    ],
  ])('logs %j at %s level, with the EmbeddedPostgres context', (line, level) => {
    const { logger, lines } = capture();
    forwardServerOutput(logger, line);
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe(level);
    expect(lines[0].message).toBe(line);
    expect(lines[0].params[lines[0].params.length - 1]).toBe('EmbeddedPostgres');
  });

  it('splits chunks into lines, drops colour codes, blank lines and the [STDERR] prefix', () => {
    const { logger, lines } = capture();
    forwardServerOutput(
      logger,
      '[STDERR] \u001b[1;31mFATAL:\u001b[0m  role "x" does not exist\n\n\u001b[32mLOG:\u001b[0m  ready\n',
    );
    expect(lines.map((entry) => [entry.level, entry.message])).toEqual([
      ['error', 'FATAL:  role "x" does not exist'],
      ['debug', 'LOG:  ready'],
    ]);
  });

  // The server's own stop ends the backends still closing (a pool's last connection can be a few
  // microseconds behind its client): expected then, an error at any other time.
  it("logs a backend ended by the server's stop at debug level while the service stops it, as an error otherwise", () => {
    const line =
      '2026-11-30 08:26:44.786 UTC [7941] FATAL:  terminating connection due to administrator command';
    const running = capture();
    forwardServerOutput(running.logger, line);
    const stopping = capture();
    forwardServerOutput(stopping.logger, line, { stopping: true });
    expect(running.lines.map((entry) => entry.level)).toEqual(['error']);
    expect(stopping.lines.map((entry) => entry.level)).toEqual(['debug']);
    // Only that message: another FATAL during the stop is still an error.
    const other = capture();
    forwardServerOutput(other.logger, 'FATAL:  could not write lock file', { stopping: true });
    expect(other.lines.map((entry) => entry.level)).toEqual(['error']);
  });

  it('falls back to log() for a logger with log only, and skips debug lines', () => {
    const seen: unknown[] = [];
    forwardServerOutput({ log: (message: unknown) => seen.push(message) }, 'WARNING: a\nLOG: b');
    expect(seen).toEqual(['WARNING: a']);
  });
});

describe('closedToOthers', () => {
  it('names the first directory on the way that other users cannot enter (mktemp -d is 700)', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'closed-'));
    try {
      fs.chmodSync(base, 0o700);
      const inside = path.join(base, 'project', '.data');
      fs.mkdirSync(inside, { recursive: true });
      expect(closedToOthers(inside)).toBe(base);
      fs.chmodSync(base, 0o755);
      expect(closedToOthers(inside)).toBeUndefined();
      // A directory not created yet is made by the service itself.
      expect(closedToOthers(path.join(inside, 'not-yet', 'pg'))).toBeUndefined();
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });
});
