import { Router } from 'express';
import { z } from 'zod';
import type { AgentService } from '../../agents/agent-service.js';
import { API_KEY_ROLES } from '../../domain/api-key.js';
import { badRequest, forbidden } from '../../errors.js';
import type { SessionTokens } from '../../sessions/session-tokens.js';
import { agentResponse, isoTime } from '../api-schemas.js';
import { authOf } from '../auth.js';
import type { Operations } from '../operation.js';
import { agentToApi } from './agents.js';

const id = z.string().regex(/^[0-9a-f]{24}$/);
const sessionResponse = z
  .strictObject({ token: z.string().describe('Present it as the API key is (Authorization: Bearer, or the realtime subprotocol bearer.<token>)'), expiresAt: isoTime })
  .meta({ id: 'Session' });
const meResponse = z
  .strictObject({
    workspaceId: id,
    apiKeyId: id,
    role: z.enum(API_KEY_ROLES),
    agent: agentResponse.nullable().describe('The agent the key is linked to (apiKeyId), with its load; null for a key no agent uses'),
  })
  .meta({ id: 'Me' });

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const sessionOperations: Operations = {
  '/v1/sessions': {
    post: {
      operationId: 'createSession',
      summary:
        'Exchange the API key for a session token that stands for it for 8 hours (browser clients keep the token, never the key); only an API key may open one, not a session token',
      tags: ['sessions'],
      responses: { '201': { description: 'The session', schema: sessionResponse } },
      errors: ['session_needs_api_key'],
      idempotent: false,
    },
  },
  '/v1/sessions/current': {
    delete: {
      operationId: 'endSession',
      summary: 'Sign out: the session token presented stops working at once',
      tags: ['sessions'],
      responses: { '204': 'Ended' },
      errors: ['not_a_session'],
    },
  },
  '/v1/me': {
    get: {
      operationId: 'getMe',
      summary: "Who the caller is: the key's workspace, id and role, and the agent linked to it",
      tags: ['sessions'],
      responses: { '200': { description: 'The caller', schema: meResponse } },
    },
  },
};

export function sessionRoutes(deps: { sessions: SessionTokens; agentService: AgentService }): Router {
  const router = Router();

  router.post('/sessions', async (_req, res) => {
    const { keyId, sessionToken } = authOf(res);
    // A session renewing itself would outlive the key's holder signing in: only the key opens one.
    if (sessionToken) throw forbidden('session_needs_api_key', 'Only an API key opens a session');
    const { token, expiresAt } = await deps.sessions.create(String(keyId));
    res.status(201).json({ token, expiresAt: expiresAt.toISOString() });
  });

  router.delete('/sessions/current', async (_req, res) => {
    const { sessionToken } = authOf(res);
    if (!sessionToken) throw badRequest('not_a_session', 'The request was signed in with an API key, not a session token');
    await deps.sessions.end(sessionToken);
    res.status(204).end();
  });

  router.get('/me', async (_req, res) => {
    const { workspaceId, keyId, role } = authOf(res);
    const linked = await deps.agentService.ofKey(workspaceId, keyId);
    res.json({ workspaceId: String(workspaceId), apiKeyId: String(keyId), role, agent: linked && agentToApi(linked.agent, linked.load) });
  });
  return router;
}
