import 'reflect-metadata';
import { runCli } from './cli/run-cli';
import { loadDotEnv } from './config/env-file';

loadDotEnv();

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`payments: ${text}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`payments: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
