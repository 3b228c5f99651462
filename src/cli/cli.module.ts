import { type DynamicModule, Injectable, Module } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';
import { CliRuntime } from './cli-runtime';
import { CLI_COMMANDS } from './commands';

/** Hands run-cli the root commander program nest-commander built from the command classes. */
@Injectable()
export class CliProgram {
  constructor(@InjectCommander() readonly root: Command) {}
}

/** The commands (nest-commander providers) and the invocation's CliRuntime. */
@Module({})
export class CliModule {
  static forRoot(runtime: CliRuntime): DynamicModule {
    return {
      module: CliModule,
      providers: [{ provide: CliRuntime, useValue: runtime }, CliProgram, ...CLI_COMMANDS],
    };
  }
}
