import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The browser the page tests drive: CHROMIUM_PATH, else Debian's `chromium` on PATH (scripts/test.sh
 * installs it). Playwright's own browser builds are never downloaded.
 */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, ...(process.env.PATH ?? '').split(path.delimiter).map((dir) => path.join(dir, 'chromium'))];
  const found = candidates.find((c): c is string => Boolean(c) && existsSync(c!));
  if (!found) throw new Error('No Chromium: install Debian\'s chromium package (scripts/test.sh does) or set CHROMIUM_PATH');
  return found;
}
