import { Router } from 'express';
import { z } from 'zod';
import type { EscalationService } from '../../conversations/escalation.js';
import type { Store } from '../../store/index.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import type { Operations } from '../operation.js';
import { idParam } from '../schemas.js';

export const escalateBody = z.strictObject({
  /** What the agent wants the helpdesk to know. */
  note: z.string().trim().min(1).max(5000).optional(),
  /** Send it to this subscription only (whatever its event filter); otherwise to every subscription of conversation.escalated. */
  subscriptionId: z.string().regex(/^[0-9a-f]{24}$/, 'must be an id').optional(),
});

export const escalationOperations: Operations = {
  '/v1/conversations/{id}/escalate': {
    post: {
      operationId: 'escalateConversation',
      summary:
        "Escalate to the helpdesks: emits conversation.escalated with the conversation, the contact and its identities, the transcript and the note. A helpdesk answering with a ticket reference (ticketId, ticket_id, reference, ticket.id or ticket.reference) has it stored as the conversation's ticket",
      tags: ['conversations'],
      body: escalateBody,
      responses: {
        '202': { description: 'The event is queued for delivery', schema: z.object({ eventId: z.string(), conversationId: z.string(), subscriptionId: z.string().nullable() }) },
        '404': 'not_found: the conversation, or the webhook subscription named',
      },
      errors: ['subscription_disabled'],
    },
  },
};

export function escalationRoutes(deps: { escalationService: EscalationService; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  router.post(
    '/conversations/:id/escalate',
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = escalateBody.parse(req.body ?? {});
      const eventId = await deps.escalationService.escalate(authOf(res).workspaceId, id, body);
      return { status: 202, body: { eventId, conversationId: id, subscriptionId: body.subscriptionId ?? null } };
    }),
  );
  return router;
}
