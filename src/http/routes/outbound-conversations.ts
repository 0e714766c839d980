import { SEND_CHECKS } from '../error-codes.js';
import type { Operations } from '../operation.js';
import { Router } from 'express';
import { z } from 'zod';
import { messageContentOf } from '../message-content.js';
import type { OutboundConversations } from '../../outbound/outbound-conversations.js';
import type { MessageSender } from '../../outbound/send-service.js';
import type { Store } from '../../store/index.js';
import { conversationResponse, messageResponse } from '../api-schemas.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { sendMessageBody } from '../schemas.js';
import { conversationToApi, messageToApi } from '../../representation/public-records.js';

export const startOutboundConversationBody = z.strictObject({
  channelId: z.string().regex(/^[0-9a-f]{24}$/, 'must be an id'),
  /** The contact's id on that channel: phone number / wa_id, PSID, email address. */
  to: z.string().trim().min(1).max(320),
  /** Thread-scoped channels (email): the new thread's subject. */
  subject: z.string().trim().min(1).max(998).optional(),
  message: sendMessageBody,
});

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const outboundConversationOperations: Operations = {
  '/v1/outbound-conversations': {
    post: {
      operationId: 'startOutboundConversation',
      summary: 'Start a conversation with a contact on a channel: free-form where the channel allows it, otherwise an approved template. A refusal creates nothing',
      tags: ['conversations'],
      body: startOutboundConversationBody,
      responses: {
        '202': { description: 'Accepted; the message is queued', schema: z.object({ conversation: conversationResponse, message: messageResponse }) },
        '404': 'not_found: no such channel in this workspace',
      },
      errors: ['invalid_request', 'invalid_recipient', 'not_found', ...SEND_CHECKS, 'reaction_target_not_found'],
    },
  },
};

export function outboundConversationRoutes(deps: { outboundConversations: OutboundConversations; idempotencyRecords: Store['idempotencyRecords'] }): Router {
  const router = Router();
  router.post(
    '/outbound-conversations',
    idempotent(deps.idempotencyRecords, async (req, res) => {
      const { message: body, ...start } = startOutboundConversationBody.parse(req.body);
      const { workspaceId, keyId, role } = authOf(res);
      const sender: MessageSender = { keyId, author: role === 'automation' ? 'automation' : 'agent' };
      const { conversation, message } = await deps.outboundConversations.start(
        workspaceId,
        {
          ...start,
          // A new conversation holds nothing to react to.
          content: () => messageContentOf(body, async () => undefined),
          tag: 'tag' in body ? body.tag : undefined,
          replyToMessageId: 'replyToMessageId' in body ? body.replyToMessageId : undefined,
        },
        sender,
      );
      return { status: 202, body: { conversation: conversationToApi(conversation), message: messageToApi(message) }, conversationId: String(conversation._id) };
    }),
  );
  return router;
}
