/** The processes the chaos suite starts: output to a log file each, and none outlives the suite. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

const live = new Set<ChildProcess>();
// A suite that dies on an exception (or is told to exit) leaves nothing running behind it.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface Launched {
  child: ChildProcess;
  /** Settles when the process has ended (or could not be started). */
  exited: Promise<void>;
}

export function launch(command: string, args: string[], opts: { logFile: string; env?: NodeJS.ProcessEnv }): Launched {
  const log = openSync(opts.logFile, 'a');
  const child = spawn(command, args, { env: opts.env ?? process.env, stdio: ['ignore', log, log] });
  closeSync(log);
  live.add(child);
  const exited = new Promise<void>((resolve) => {
    const ended = () => {
      live.delete(child);
      resolve();
    };
    child.once('exit', ended);
    child.once('error', ended);
  });
  return { child, exited };
}

export function isRunning(p: Launched): boolean {
  return p.child.exitCode === null && p.child.signalCode === null && live.has(p.child);
}

/** Sends `signal` and waits until the process has ended; SIGKILL if it is still there after `graceMs`. */
export async function terminate(p: Launched, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<void> {
  if (!isRunning(p)) return;
  p.child.kill(signal);
  const escalate = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(escalate);
}
