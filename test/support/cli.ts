import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as `npm run omnigate` does, in a process of its own with exactly `env` (plus PATH):
 * nothing of the test's environment leaks in. `forbiddenImports` makes loading those packages fail.
 */
export function runCli(args: string[], env: Record<string, string> = {}, forbiddenImports: string[] = []): Promise<CliRun> {
  const hooks = forbiddenImports.length > 0 ? ['--import', './test/support/forbid-imports.ts'] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', ...hooks, 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, ...(hooks.length > 0 && { FORBIDDEN_IMPORTS: forbiddenImports.join(',') }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
