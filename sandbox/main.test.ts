import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

/** The sandbox's command line run as `npm run sandbox` runs it, with no sandbox listening. */
function sandboxCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args, '--url', 'http://127.0.0.1:9'], (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

describe('the sandbox command line', () => {
  it('prints its usage for --help and help, needing no sandbox', async () => {
    for (const help of ['--help', 'help']) {
      const { code, stdout } = await sandboxCli(help);
      expect(code).toBe(0);
      expect(stdout).toContain('say <customer> <text...>');
    }
  });

  it('refuses an unknown option or command with its usage and exit code 2', async () => {
    const option = await sandboxCli('show', 'ana', '--colour');
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/Unknown option '--colour'[\s\S]*Usage:/);
    const command = await sandboxCli('dance');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Usage:');
  });
});
