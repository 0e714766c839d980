/**
 * Counts the imports that run from a lower layer up to a higher one (docs/architecture.md,
 * "Layers"), from the code's own import statements (tests left out). Prints each such import and
 * a total; exits 0 either way: the lint rules are what fail a build, this is the map of what is
 * left to move.
 *
 *   npm run layers
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Lowest first. A file's layer is the first whose test its path (from the repository root) passes. */
const LAYERS: Array<{ name: string; holds: (file: string) => boolean }> = [
  { name: 'domain', holds: (f) => f.startsWith('src/domain/') },
  { name: 'base', holds: (f) => /^src\/[^/]+\.ts$/.test(f) && f !== 'src/main.ts' },
  { name: 'connectors', holds: (f) => f.startsWith('connectors/') },
  { name: 'store', holds: (f) => f.startsWith('src/store/') || f.startsWith('src/security/') },
  { name: 'representation', holds: (f) => f.startsWith('src/representation/') },
  { name: 'config', holds: (f) => f.startsWith('config/') },
  { name: 'features', holds: (f) => f.startsWith('src/') && !/^src\/(http|app|cli)\//.test(f) && f !== 'src/main.ts' },
  { name: 'http', holds: (f) => f.startsWith('src/http/') },
  { name: 'app', holds: () => true },
];
/** Layers on one level may import each other. */
const LEVEL: Record<string, number> = { domain: 0, base: 1, connectors: 2, store: 2, config: 2, representation: 3, features: 4, http: 5, app: 6 };

function layerOf(file: string): string {
  return LAYERS.find((l) => l.holds(file))!.name;
}

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return rel.endsWith('.ts') && !rel.endsWith('.test.ts') ? [rel] : [];
  });
}

const upward: string[] = [];
for (const file of [...sources('src'), ...sources('connectors'), ...sources('config')]) {
  for (const [, spec] of readFileSync(path.join(ROOT, file), 'utf8').matchAll(/from '(\.[^']+)'/g)) {
    const target = path.normalize(path.join(path.dirname(file), spec!)).replace(/\.js$/, '.ts');
    const [from, to] = [layerOf(file), layerOf(target)];
    if (LEVEL[to]! > LEVEL[from]!) upward.push(`${from} -> ${to}: ${file} imports ${target}`);
  }
}
console.log(upward.sort().join('\n'));
console.log(`${upward.length} imports run from a lower layer to a higher one`);
