import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import type { Operations } from './operation.js';

/**
 * Where `npm run build:console` writes the console: dist/console under the repository, which is
 * two levels above this file run from its sources (src/http) and holds it beside the compiled
 * code (dist/src/http) in a build.
 */
function defaultBuildDir(): string {
  const root = path.resolve(import.meta.dirname, '../..');
  return path.basename(root) === 'dist' ? path.join(root, 'console') : path.join(root, 'dist', 'console');
}

/**
 * What the console's pages may load: its own scripts and styles only, the API and the realtime
 * socket on this origin, media fetched by the page (blob:), mail images once the agent shows
 * them (https:), mails drawn in a sandboxed frame; and no other site may frame it.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob: https:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A year: the build names its assets by their content hash, so a changed asset is a new URL. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const consoleOperations: Operations = {
  '/console/': {
    get: {
      operationId: 'getConsole',
      summary:
        'The agent console: a single-page app built on this API alone (HTML, no key; it signs in with POST /v1/sessions). Its assets under /console/assets/ are named by their content and cached for good',
      tags: ['console'],
      auth: 'none',
      responses: { '200': 'The page (text/html)', '503': 'The console is not built (npm run build:console)' },
    },
  },
};

/**
 * The agent console's built files (console/, a single-page app on the public API): hashed assets
 * cached for good, the page itself revalidated at each load, every answer under a strict CSP.
 */
export function consoleRoutes(opts: { dir?: string } = {}): Router {
  const dir = opts.dir ?? defaultBuildDir();
  const index = path.join(dir, 'index.html');
  const router = Router();
  router.use((_req, res, next) => {
    res.set({ 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' });
    next();
  });
  // An asset not there falls through to the API's 404.
  router.use('/assets', express.static(path.join(dir, 'assets'), { index: false, setHeaders: (res) => res.set('cache-control', IMMUTABLE) }));
  router.get('/', (req, res) => {
    // `/console` without its slash: the page's relative asset URLs need it.
    if (req.originalUrl === '/console') return res.redirect(301, '/console/');
    if (!existsSync(index)) return void res.status(503).type('text').send('The console is not built: run npm run build:console');
    res.set('cache-control', 'no-cache').sendFile(index);
  });
  return router;
}
