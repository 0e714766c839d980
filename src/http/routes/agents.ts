import { Router } from 'express';
import type { AgentService } from '../../agents/agent-service.js';
import type { Store } from '../../store/index.js';
import type { AgentDoc } from '../../store/models/agent.js';
import { agentResponse, pageOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { page } from '../pagination.js';
import { createAgentBody, idParam, paginationQuery, updateAgentBody } from '../schemas.js';
import type { Expect, SameShape } from '../same-shape.js';

/** An agent as the API shows it, with how many conversations it holds now. */
export function agentToApi(a: AgentDoc, load?: number) {
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

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const agentOperations: Operations = {
  '/v1/agents': {
    post: {
      operationId: 'createAgent',
      summary: 'Create an agent (admin); email is unique per workspace',
      tags: ['agents'],
      body: createAgentBody,
      responses: { '201': { description: 'Created', schema: agentResponse } },
      errors: ['admin_required', 'agent_exists', 'api_key_not_found'],
    },
    get: { operationId: 'listAgents', summary: 'List agents, newest first', tags: ['agents'], query: paginationQuery, responses: { '200': { description: 'A page of agents', schema: pageOf(agentResponse) } } },
  },
  '/v1/agents/{id}': {
    get: { operationId: 'getAgent', summary: 'Get an agent with its load (conversations held)', tags: ['agents'], responses: { '200': { description: 'The agent', schema: agentResponse } } },
    patch: {
      operationId: 'updateAgent',
      summary: "Change an agent (admin; the agent's own key may change its status only); a lowered capacity applies to new assignments",
      tags: ['agents'],
      body: updateAgentBody,
      responses: { '200': { description: 'The agent', schema: agentResponse } },
      errors: ['admin_required', 'agent_exists', 'api_key_not_found'],
    },
    delete: {
      operationId: 'deleteAgent',
      summary: 'Delete an agent that holds no conversation (admin); it leaves its queues, and conversations it handled keep its id',
      tags: ['agents'],
      responses: { '204': 'Deleted' },
      errors: ['admin_required', 'agent_has_conversations'],
    },
  },
};

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
