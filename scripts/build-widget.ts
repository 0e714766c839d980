/**
 * `npm run build`'s last step: the web chat widget bundled and minified into dist/widget/widget.js,
 * which the built gateway serves (src/webchat/widget-bundle.ts). Prints its size, raw and gzipped.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildWidgetScript, WIDGET_BUILT_FILE } from '../src/webchat/widget-bundle.js';

const root = path.resolve(import.meta.dirname, '..');
const script = await buildWidgetScript(root);
const target = path.join(root, 'dist', WIDGET_BUILT_FILE);
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, script);
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
console.log(`widget: ${path.relative(root, target)} ${kb(Buffer.byteLength(script))}, ${kb(gzipSync(script, { level: 9 }).length)} gzipped`);
