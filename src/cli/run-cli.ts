import type { INestApplicationContext } from '@nestjs/common';
import { Command, CommanderError, Help } from 'commander';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { CommandFactory } from 'nest-commander';
import { DomainError } from '../common/domain-error';
import { ConfigError } from '../config/app-config';
import { EmbeddedDatabaseError } from '../database/embedded-postgres';
import { CliProgram, CliModule } from './cli.module';
import { CliRuntime, type CliIo } from './cli-runtime';

/** Errors a user can act on: one line on stderr, exit 1. */
const EXPECTED_ERRORS = [ConfigError, EmbeddedDatabaseError, DomainError];

/** Commander outcomes that are not failures. */
const SUCCESS_CODES = new Set(['commander.helpDisplayed', 'commander.version']);

/** The version in the package.json above this file (src/cli/ and dist/src/cli/ alike). */
export function packageVersion(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'payment-service' && pkg.version) return pkg.version;
    } catch {
      // no package.json here: look further up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** `payments webhooks replay <event-id>`: a command's full path, arguments and options. */
function usageLine(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  const args = new Help().commandUsage(command).split(' ').slice(names.length);
  const options = command.options.map((o) => `[${o.flags}]`);
  const rest = args.filter((word) => word !== '[options]' && word !== '[command]');
  return [...names, ...rest, ...options].join(' ');
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((sub) => [sub, ...allCommands(sub)]);
}

/**
 * Every command, however deep, behaves alike: errors go through `io` and end in a
 * CommanderError (no process.exit), unknown options and extra arguments are errors,
 * and an error is followed by the command's help.
 */
function configure(root: Command, io: CliIo): void {
  root
    .name('payments')
    .description('Operator CLI of the payment service (same configuration as the service).')
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
    })
    .exitOverride()
    .showHelpAfterError();
  for (const command of allCommands(root)) {
    command.copyInheritedSettings(command.parent!);
    command.allowUnknownOption(false).allowExcessArguments(false);
  }
  root.addHelpText(
    'after',
    `\nAll commands:\n${allCommands(root)
      // A group without options of its own (`refunds`) only leads to its commands.
      .filter((c) => c.commands.length === 0 || c.options.length > 0)
      .map((c) => `  ${usageLine(c)}`)
      .join('\n')}`,
  );
}

/**
 * The operator CLI (`payments <command>` / `npm run cli -- <command>`) on
 * nest-commander. Returns the exit code: 0 done, 1 failed (one line on stderr),
 * 2 wrong usage (the message and the help text). `options.app`: run inside an
 * app that is already running (e.g. an app hosting the service) instead of starting one.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  env: Record<string, string | undefined> = process.env,
  options: { app?: INestApplicationContext } = {},
): Promise<number> {
  const runtime = new CliRuntime(io, env, options.app);
  let failure: unknown;
  const cli = await CommandFactory.createWithoutRunning(CliModule.forRoot(runtime), {
    logger: false,
    version: packageVersion(),
    serviceErrorHandler: (error) => {
      failure = error;
    },
  });
  try {
    const { root } = cli.get(CliProgram);
    configure(root, io);
    await root.parseAsync([...argv], { from: 'user' }).catch((error: unknown) => {
      failure = error;
    });
  } finally {
    await runtime.close();
    await cli.close();
  }
  if (failure === undefined) return runtime.exitCode;
  if (failure instanceof CommanderError) return SUCCESS_CODES.has(failure.code) ? 0 : 2;
  if (EXPECTED_ERRORS.some((type) => failure instanceof type)) {
    io.err((failure as Error).message);
    return 1;
  }
  throw failure instanceof Error ? failure : new Error(inspect(failure));
}
