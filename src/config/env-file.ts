import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Reads `.env` from the working directory when there is one (`cp .env.example
 * .env`). Variables already set in the environment win over the file.
 */
export function loadDotEnv(cwd: string = process.cwd()): void {
  const file = path.join(cwd, '.env');
  if (fs.existsSync(file)) process.loadEnvFile(file);
}
