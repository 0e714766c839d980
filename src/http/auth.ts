import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { AppError, forbidden, unauthorized } from '../errors.js';
import { keyFromHeaders, type AuthContext } from '../security/api-key.js';
import { verifyCredential } from '../sessions/credentials.js';
import type { SessionTokens } from '../sessions/session-tokens.js';
import type { Store } from '../store/index.js';

/** Resolves the API key or session token (Authorization: Bearer or X-API-Key) to its workspace. */
export function authenticate(deps: { store: Store; sessions: SessionTokens }): RequestHandler {
  return async (req, res, next) => {
    const key = keyFromHeaders(req.headers);
    if (!key) throw unauthorized();
    const auth = await verifyCredential(deps, key);
    res.locals.auth = auth;
    req.log = req.log?.child({ workspaceId: String(auth.workspaceId) });
    next();
  };
}

export function authOf(res: Response): AuthContext {
  const auth = res.locals.auth as AuthContext | undefined;
  if (!auth) throw new AppError(500, 'auth_missing', 'Route is not behind authentication');
  return auth;
}

export const requireAdmin: RequestHandler = (_req, res, next) => {
  if (authOf(res).role !== 'admin') throw forbidden('admin_required', 'This needs an admin API key');
  next();
};

/** The instance operator's token, for creating workspaces. */
export function requireAdminToken(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, _res, next) => {
    const given = Buffer.from(req.get('authorization')?.replace(/^Bearer /, '') ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('The admin token is not valid');
    next();
  };
}
