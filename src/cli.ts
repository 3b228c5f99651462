import 'reflect-metadata';
import { runCli } from './cli/run-cli';
import { loadDotEnv } from './config/env-file';

loadDotEnv();

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(`${text}\n`),
  // One-line errors carry the program name; help text and commander's own messages stand alone.
  err: (text) =>
    process.stderr.write(
      /^(Usage:|error:|\n)/.test(text) || text === '' ? `${text}\n` : `payments: ${text}\n`,
    ),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`payments: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
