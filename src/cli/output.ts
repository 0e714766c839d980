import { AppError } from '../errors.js';

/** What a command prints: JSON for scripts, or aligned columns for people. */

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** Columns under their headers, each as wide as its widest cell. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((header, i) => Math.max(header.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  console.log([line(headers), ...rows.map(line)].join('\n'));
}

/** An issue as zod and the services report it: where, and what is wrong there. */
interface Issue {
  path: Array<string | number>;
  message: string;
}

const isIssue = (value: unknown): value is Issue =>
  typeof value === 'object' && value !== null && Array.isArray((value as Issue).path) && typeof (value as Issue).message === 'string';

/**
 * An error as the API would answer it: the message and its stable code, then the details, each
 * field error on a line of its own (`settings.phoneNumberId: Invalid input: expected string`).
 */
export function describeError(err: unknown): string {
  if (!(err instanceof AppError)) return `error: ${err instanceof Error ? err.message : String(err)}`;
  const lines = [`error: ${err.message} (${err.code})`];
  if (typeof err.details === 'object' && err.details !== null) {
    for (const [key, value] of Object.entries(err.details)) {
      if (value === undefined) continue;
      if (Array.isArray(value) && value.length > 0 && value.every(isIssue)) {
        for (const issue of value) lines.push(`  ${[key, ...issue.path].join('.')}: ${issue.message}`);
      } else {
        lines.push(`  ${key}: ${JSON.stringify(value)}`);
      }
    }
  } else if (err.details !== undefined) {
    lines.push(`  ${JSON.stringify(err.details)}`);
  }
  return lines.join('\n');
}
