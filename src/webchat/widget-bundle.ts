import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** The widget's script as served: its bytes, gzipped once, and the ETag of both. */
export interface WidgetBundle {
  script: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** The widget's entry point, from the repository's root. */
const WIDGET_ENTRY = 'widget/main.ts';
/** Where `npm run build` writes the bundle, under dist/. */
export const WIDGET_BUILT_FILE = 'widget/widget.js';

/**
 * Bundles and minifies the widget (esbuild: one IIFE, no framework, for browsers of the last
 * few years). Used by `npm run build` and, from source, at start.
 */
export async function buildWidgetScript(root: string): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [path.join(root, WIDGET_ENTRY)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    write: false,
    legalComments: 'none',
  });
  return result.outputFiles[0]!.text;
}

/**
 * The built gateway (dist/src/webchat/) serves the bundle `npm run build` made; from source (dev,
 * tests) it is built in memory at start, so it is never stale.
 */
export async function loadWidgetBundle(): Promise<WidgetBundle> {
  const twoUp = path.resolve(import.meta.dirname, '../..');
  const built = path.join(twoUp, WIDGET_BUILT_FILE);
  const script = path.basename(twoUp) === 'dist' && existsSync(built) ? await readFile(built) : Buffer.from(await buildWidgetScript(twoUp));
  return { script, gzipped: gzipSync(script, { level: 9 }), etag: `"${createHash('sha256').update(script).digest('base64url').slice(0, 27)}"` };
}

/** The bundle, loaded (or built) on first use and kept for the process; a failure is tried again at the next request. */
export function widgetBundleOnce(): () => Promise<WidgetBundle> {
  let bundle: Promise<WidgetBundle> | undefined;
  return () =>
    (bundle ??= loadWidgetBundle().catch((err: unknown) => {
      bundle = undefined;
      throw err;
    }));
}
