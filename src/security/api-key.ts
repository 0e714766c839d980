import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Types } from 'mongoose';
import type { ApiKeyRole } from '../domain/api-key.js';
import { unauthorized } from '../errors.js';
import type { Store } from '../store/index.js';

/**
 * API keys are shown once and stored only as a SHA-256 hash: they are long random strings, so a
 * fast hash is enough and lets a key be found by its hash in one indexed lookup.
 */
function generateApiKey(): { key: string; hash: string; prefix: string } {
  const key = `og_${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 10) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates an API key; the key is returned this once and only its hash is kept. */
export async function createApiKey(store: Store, workspaceId: Types.ObjectId, name: string, role: ApiKeyRole) {
  const { key, hash, prefix } = generateApiKey();
  const doc = await store.apiKeys.create({ workspaceId, name, hash, prefix, role });
  return { id: String(doc._id), name, role, prefix, key };
}

/** Who a request acts for: the key's workspace, the key itself, and its role. */
export interface AuthContext {
  workspaceId: Types.ObjectId;
  keyId: Types.ObjectId;
  role: ApiKeyRole;
  /** The session token presented in the key's stead, if one was. */
  sessionToken?: string;
}

/** The API key a request's headers carry: `Authorization: Bearer <key>` or `X-API-Key`. */
export function keyFromHeaders(headers: IncomingHttpHeaders): string | undefined {
  const header = headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' ? apiKey : undefined;
}

/** The one check of what a valid key is, for the REST API and the WebSocket upgrade alike. Throws 401. */
export async function verifyApiKey(deps: { store: Store }, key: string): Promise<AuthContext> {
  const found = await deps.store.apiKeys.findOne({ hash: hashApiKey(key) }).lean();
  if (!found || found.revokedAt) throw unauthorized('The API key is not valid');
  return { workspaceId: found.workspaceId, keyId: found._id, role: found.role };
}
