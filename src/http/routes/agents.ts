import { Router } from 'express';
import type { AgentService } from '../../agents/agent-service.js';
import type { Store } from '../../store/index.js';
import type { AgentDoc } from '../../store/models/agent.js';
import type { agentResponse } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { page } from '../pagination.js';
import { createAgentBody, idParam, paginationQuery, updateAgentBody } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';

/** An agent as the API shows it, with how many conversations it holds now. */
function agentToApi(a: AgentDoc, load?: number) {
  return {
    id: String(a._id),
    name: a.name,
    email: a.email,
    role: a.role,
    status: a.status,
    capacity: a.capacity,
    skills: a.skills,
    languages: a.languages,
    teams: a.teams,
    apiKeyId: a.apiKeyId ? String(a.apiKeyId) : null,
    ...(load !== undefined && { load }),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}
type _AgentMatch = Expect<SameShape<ReturnType<typeof agentToApi>, typeof agentResponse>>;

export function agentRoutes(deps: { agentService: AgentService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  const { agentService } = deps;

  router.post(
    '/agents',
    requireAdmin,
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const agent = await agentService.create(authOf(res).workspaceId, createAgentBody.parse(req.body));
      return { status: 201, body: agentToApi(agent, 0) };
    }),
  );

  router.get('/agents', async (req, res) => {
    const q = paginationQuery.parse(req.query);
    const docs = await agentService.list(authOf(res).workspaceId, q);
    res.json(page(docs, q.limit, (a) => agentToApi(a)));
  });

  router.get('/agents/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { agent, load } = await agentService.get(authOf(res).workspaceId, id);
    res.json(agentToApi(agent, load));
  });

  router.patch('/agents/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { workspaceId, keyId, role } = authOf(res);
    const { agent, load } = await agentService.update(workspaceId, id, updateAgentBody.parse(req.body), { keyId, role });
    res.json(agentToApi(agent, load));
  });

  router.delete('/agents/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    await agentService.delete(authOf(res).workspaceId, id);
    res.status(204).end();
  });
  return router;
}
