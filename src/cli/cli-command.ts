import { Inject, type Type } from '@nestjs/common';
import { InvalidArgumentError } from 'commander';
import { CommandRunner, Option } from 'nest-commander';
import { CliRuntime } from './cli-runtime';

/**
 * Base of every `payments` command (nest-commander). A command is a class with
 * `@Command` (or `@SubCommand`) and `@Option` methods; `run` gets the positional
 * arguments and the parsed options, calls feature services through `service()`
 * (never repositories) and prints through `this.cli`.
 */
export abstract class AppCommand extends CommandRunner {
  @Inject(CliRuntime) protected readonly cli!: CliRuntime;

  /** A service of the running app (the app starts on first use). */
  protected async service<T>(type: Type<T>): Promise<T> {
    return (await this.cli.app()).get(type);
  }

  /** Refuses the invocation: the message, this command's help, exit 2. */
  protected usageError(message: string): never {
    this.command.error(`error: ${message}`, { exitCode: 2, code: 'payments.usage' });
    throw new Error('unreachable: commander exits through exitOverride');
  }
}

export interface ListOptions {
  limit: number;
  json?: boolean;
}

/** A listing command: `--limit N` and `--json` (machine-readable output). */
export abstract class ListCommand extends AppCommand {
  @Option({ flags: '--limit <n>', description: 'at most n rows (1 to 1000)', defaultValue: 50 })
  parseLimit(value: string): number {
    return parseLimit(value);
  }

  @Option({ flags: '--json', description: 'print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

export function parseLimit(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000)
    throw new InvalidArgumentError('--limit must be an integer from 1 to 1000');
  return Number(value);
}

export function parseWholeNumber(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a whole number`);
    return Number(value);
  };
}

/**
 * Validates an option with `choices`: nest-commander installs the @Option method as
 * commander's argument parser, which replaces commander's own choices check.
 */
export function oneOf<T extends string>(choices: readonly T[], value: string): T {
  if (!(choices as readonly string[]).includes(value))
    throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
  return value as T;
}
