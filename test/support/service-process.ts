import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const MAIN_JS = path.resolve(__dirname, '..', '..', 'dist', 'src', 'main.js');
/** The built service with a durable listener that logs its calls (LISTENER_LOG, LISTENER_SLEEP_MS). */
export const LISTENER_SERVICE_JS = path.resolve(__dirname, 'listener-service.js');

export interface ServiceProcess {
  child: ChildProcess;
  /** known once the service logged that it listens (see waitUntilReady) */
  port: number;
  output(): string;
  exited: Promise<number | null>;
}

const running = new Map<ChildProcess, Promise<number | null>>();

/** Kills the services a test left running (call in afterAll) and waits until they are gone. */
export async function killLeftoverServices(): Promise<void> {
  const exits = [...running.entries()].map(([child, exited]) => {
    child.kill('SIGKILL');
    return exited;
  });
  running.clear();
  await Promise.all(exits);
}

/**
 * Runs the built service (`node dist/src/main.js`, what `npm start` runs; or `entry`, e.g.
 * LISTENER_SERVICE_JS) with only the given environment.
 */
export async function startService(
  env: Record<string, string>,
  options: { cwd?: string; entry?: string } = {},
): Promise<ServiceProcess> {
  // PORT=0: the service picks a free port and logs it; no race with other processes.
  const child = spawn(process.execPath, [options.entry ?? MAIN_JS], {
    env: {
      PATH: process.env.PATH ?? '',
      LOG_LEVEL: 'info',
      DISPUTE_DEADLINE_CRON: 'off',
      PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  running.set(child, exited);
  child.on('exit', () => running.delete(child));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { child, port: 0, output: () => output, exited };
}

/** Polls GET /health/ready until 200; fails with the process output when it exits or times out. */
export async function waitUntilReady(service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void service.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined)
      throw new Error(`service exited with ${exitCode}:\n${service.output()}`);
    const listening = /"port":(\d+)/.exec(service.output());
    if (listening) service.port = Number(listening[1]);
    try {
      if (!service.port) throw new Error('not listening yet');
      const response = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  service.child.kill('SIGKILL');
  throw new Error(`service not ready after ${timeoutMs} ms:\n${service.output()}`);
}
