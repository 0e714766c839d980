import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { Types } from 'mongoose';
import type { AppContext } from '../app/context.js';
import { AppError, forbidden, unauthorized } from '../errors.js';
import { hashApiKey } from '../security/api-key.js';
import type { ApiKeyRole } from '../domain/api-key.js';

export interface AuthContext {
  workspaceId: Types.ObjectId;
  keyId: Types.ObjectId;
  role: ApiKeyRole;
}

/** The API key a request's headers carry: `Authorization: Bearer <key>` or `X-API-Key`. */
export function keyFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey : undefined;
}

/** The one check of what a valid key is, for the REST API and the WebSocket upgrade alike. Throws 401. */
export async function verifyApiKey(ctx: Pick<AppContext, 'store'>, key: string): Promise<AuthContext> {
  const found = await ctx.store.apiKeys.findOne({ hash: hashApiKey(key) }).lean();
  if (!found || found.revokedAt) throw unauthorized('The API key is not valid');
  return { workspaceId: found.workspaceId, keyId: found._id, role: found.role };
}

/** Resolves the API key (Authorization: Bearer or X-API-Key) to its workspace. */
export function authenticate(ctx: AppContext): RequestHandler {
  return async (req, res, next) => {
    const key = keyFromHeaders(req.headers);
    if (!key) throw unauthorized();
    const auth = await verifyApiKey(ctx, key);
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
