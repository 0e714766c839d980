import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import ts from 'typescript';

const HERE = import.meta.dirname;

/**
 * The page: its HTML and CSS as they are, its script compiled from page.ts when the sandbox
 * starts (a dev tool: no build step, the TypeScript compiler is at hand).
 */
export async function pageAssets(): Promise<Router> {
  const [html, css, source] = await Promise.all(['index.html', 'page.css', 'page.ts'].map((f) => readFile(path.join(HERE, f), 'utf8')));
  const script = ts.transpileModule(source!, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } }).outputText;
  const router = Router();
  router.get('/', (_req, res) => void res.type('html').send(html));
  router.get('/page.css', (_req, res) => void res.type('css').send(css));
  router.get('/page.js', (_req, res) => void res.type('js').send(script));
  return router;
}
