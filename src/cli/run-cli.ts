import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { DomainError } from '../common/domain-error';
import { JsonLogger } from '../common/json-logger';
import { ConfigError, loadConfig, type AppConfig } from '../config/app-config';
import {
  EmbeddedDatabaseError,
  resolveDatabase,
  type DatabaseHandle,
} from '../database/embedded-postgres';
import { typeOrmOptions } from '../database/typeorm-options';
import { CliUsageError, parseArgs, type CliArgs, type CliCommand, type CliIo } from './cli-command';
import { CLI_COMMANDS } from './commands';

const MIGRATE_USAGE = 'migrate [--revert]';

function help(commands: readonly CliCommand[]): string {
  const lines = [
    [MIGRATE_USAGE, 'apply pending migrations (--revert undoes the last one)'],
    ...commands.map((c) => [c.usage, c.description]),
  ];
  return [
    'usage: payments <command>',
    '',
    ...lines.map(([usage, text]) => `  ${usage}\n      ${text}`),
  ].join('\n');
}

function findCommand(
  args: CliArgs,
  commands: readonly CliCommand[],
): { command: CliCommand; rest: CliArgs } | undefined {
  const matches = commands
    .filter((c) => c.path.every((word, i) => args.positional[i] === word))
    .sort((a, b) => b.path.length - a.path.length);
  const command = matches[0];
  if (!command) return undefined;
  return {
    command,
    rest: { positional: args.positional.slice(command.path.length), flags: args.flags },
  };
}

async function migrate(url: string, args: CliArgs, io: CliIo): Promise<number> {
  const dataSource = await new DataSource(typeOrmOptions(url)).initialize();
  try {
    if (args.flags.revert) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      io.out('reverted the last migration');
    } else {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      io.out(
        applied.length === 0
          ? 'database is up to date'
          : applied.map((m) => `applied ${m.name}`).join('\n'),
      );
    }
    return 0;
  } finally {
    await dataSource.destroy();
  }
}

/**
 * The operator CLI (`payments <command>` / `npm run cli -- <command>`).
 * Returns the exit code; every expected failure is one line on stderr.
 */
export async function runCli(
  argv: readonly string[],
  io: CliIo & { err(text: string): void },
  env = process.env,
): Promise<number> {
  const args = parseArgs(argv);
  if (args.positional.length === 0 || args.flags.help || args.positional[0] === 'help') {
    io.out(help(CLI_COMMANDS));
    return args.positional.length === 0 && !args.flags.help ? 2 : 0;
  }
  const isMigrate = args.positional[0] === 'migrate';
  const found = isMigrate ? undefined : findCommand(args, CLI_COMMANDS);
  if (!isMigrate && !found) {
    io.err(`unknown command "${args.positional.join(' ')}"\n\n${help(CLI_COMMANDS)}`);
    return 2;
  }

  let config: AppConfig;
  let database: DatabaseHandle | undefined;
  let context: INestApplicationContext | undefined;
  try {
    config = loadConfig(env);
    database = await resolveDatabase(config.databaseUrl, config.dataDir, {
      attachIfRunning: true,
      logger: { log: () => undefined },
    });
    if (isMigrate) return await migrate(database.url, args, io);
    // The CLI never runs the scheduled job itself; `disputes check-deadlines` runs it once on request.
    context = await NestFactory.createApplicationContext(
      AppModule.forRoot({
        config: {
          ...config,
          disputeDeadlineCron: null,
          events: { ...config.events, worker: false },
        },
        databaseUrl: database.url,
      }),
      {
        logger: new JsonLogger(config.logLevel === 'info' ? 'warn' : config.logLevel),
        abortOnError: false,
      },
    );
    return await found!.command.run(context, found!.rest, io);
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof EmbeddedDatabaseError ||
      error instanceof CliUsageError ||
      error instanceof DomainError
    ) {
      io.err(
        error instanceof CliUsageError
          ? `${error.message}\nusage: payments ${found?.command.usage ?? MIGRATE_USAGE}`
          : error.message,
      );
      return error instanceof CliUsageError ? 2 : 1;
    }
    throw error;
  } finally {
    await context?.close();
    await database?.stop();
  }
}
