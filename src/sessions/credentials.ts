import { unauthorized } from '../errors.js';
import { verifyApiKey, type AuthContext } from '../security/api-key.js';
import type { Store } from '../store/index.js';
import { SESSION_TOKEN_PREFIX, type SessionTokens } from './session-tokens.js';

/**
 * What a request presents, checked for the REST API and the WebSocket upgrade alike: an API key,
 * or a session token acting as the key it stands for and ending with it (a revoked key ends its
 * sessions). Throws 401.
 */
export async function verifyCredential(deps: { store: Store; sessions: SessionTokens }, presented: string): Promise<AuthContext> {
  if (!presented.startsWith(SESSION_TOKEN_PREFIX)) return verifyApiKey(deps, presented);
  const keyId = await deps.sessions.apiKeyIdOf(presented);
  const found = keyId ? await deps.store.apiKeys.findById(keyId).lean() : null;
  if (!found || found.revokedAt) throw unauthorized('The session has ended: sign in again');
  return { workspaceId: found.workspaceId, keyId: found._id, role: found.role, sessionToken: presented };
}
