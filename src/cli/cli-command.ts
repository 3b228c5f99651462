import type { INestApplicationContext } from '@nestjs/common';

/** Parsed command line: positional words and --flags (`--status failed`, `--status=failed`). */
export interface CliArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

export interface CliIo {
  out(text: string): void;
}

/**
 * One CLI command. `path` is the words that select it (e.g. ['disputes',
 * 'check-deadlines']); the longest matching path wins. Commands run inside the
 * app's Nest context and call the feature services, never repositories.
 */
export interface CliCommand {
  path: string[];
  usage: string;
  description: string;
  /** Returns the exit code. */
  run(context: INestApplicationContext, args: CliArgs, io: CliIo): Promise<number>;
}

export class CliUsageError extends Error {}

export function parseArgs(argv: readonly string[]): CliArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2);
      if (inline !== undefined) flags[name] = inline;
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[name] = argv[++i];
      else flags[name] = true;
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags };
}

export function stringFlag(args: CliArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (value === true) throw new CliUsageError(`--${name} needs a value`);
  return value;
}

export function limitFlag(args: CliArgs, fallback = 50): number {
  const raw = stringFlag(args, 'limit');
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000)
    throw new CliUsageError('--limit must be an integer from 1 to 1000');
  return Number(raw);
}
