import { Router } from 'express';
import { z } from 'zod';
import type { ConversationDeleter } from '../../conversations/conversation-deleter.js';
import type { ConversationNotes } from '../../conversations/conversation-notes.js';
import type { ConversationOrganizer } from '../../conversations/conversation-organizer.js';
import type { ConversationQueries } from '../../conversations/conversation-queries.js';
import type { LifecycleService } from '../../conversations/lifecycle-service.js';
import type { SendService } from '../../outbound/send-service.js';
import type { AssignmentService } from '../../routing/assignment-service.js';
import type { QueuePosition } from '../../routing/queue-position.js';
import type { ConversationTransfers } from '../../routing/transfers.js';
import type { Store } from '../../store/index.js';
import type { ConversationDoc } from '../../store/models/conversation.js';
import { conversationDetailResponse, conversationResponse, messageResponse, pageOf } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { messageContentOf } from '../message-content.js';
import { SEND_CHECKS } from '../error-codes.js';
import type { Operations } from '../operation.js';
import { page } from '../pagination.js';
import { assignBody, changeStatusBody, idParam, listConversationsQuery, paginationQuery, sendMessageBody, transferBody } from '../schemas.js';
import { conversationToApi, messageToApi } from '../../representation/public-records.js';
import { conversationNoteOperations, conversationNoteRoutes } from './conversation-notes.js';
import { conversationTagOperations, conversationTagRoutes } from './conversation-tags.js';
import { conversationTranscriptOperations, conversationTranscriptRoutes } from './conversation-transcript.js';
import { CONVERSATION_PRIORITIES } from '../../domain/conversation.js';

export const updateConversationBody = z.strictObject({ priority: z.enum(CONVERSATION_PRIORITIES) });
export const snoozeBody = z.strictObject({ until: z.iso.datetime({ offset: true }) });

const conversationAnswer = { description: 'The conversation', schema: conversationResponse };
const deletedResponse = z.object({ deleted: z.literal(true), messages: z.number().int(), media: z.number().int() });

/** What assigning refuses with: the conversation is not queued, or the agent cannot take it. */
const assignmentRefusals = ['already_assigned', 'invalid_transition', 'agent_unavailable', 'agent_at_capacity'] as const;

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const conversationOperations: Operations = {
  '/v1/conversations': {
    get: {
      operationId: 'listConversations',
      summary:
        'List conversations, newest first, filtered (status, channel, queue, assignee or none, tags, label, contact, priority, unread, dates) and searched with q over message text and contact name, email and phone; archived ones only with archived=true',
      tags: ['conversations'],
      query: listConversationsQuery,
      responses: { '200': { description: 'A page of conversations', schema: pageOf(conversationResponse) } },
    },
  },
  '/v1/conversations/{id}': {
    get: {
      operationId: 'getConversation',
      summary: 'Get a conversation with its latest messages, what may be sent now and, while queued, its queuePosition (1-based, oldest first in its queue)',
      tags: ['conversations'],
      responses: { '200': { description: 'The conversation', schema: conversationDetailResponse } },
    },
    patch: {
      operationId: 'updateConversation',
      summary: 'Change the priority (the status changes through /status, /snooze, /assign and the like)',
      tags: ['conversations'],
      body: updateConversationBody,
      responses: { '200': conversationAnswer },
    },
    delete: {
      operationId: 'deleteConversation',
      summary:
        'Delete the conversation for good, with its messages, internal notes and stored media: this cannot be undone. A later message from the contact opens a new conversation (admin)',
      tags: ['conversations'],
      responses: { '200': { description: 'Deleted, with how many messages and media files were removed', schema: deletedResponse } },
      errors: ['admin_required'],
    },
  },
  '/v1/conversations/{id}/status': {
    post: {
      operationId: 'changeConversationStatus',
      summary: 'Change the status (snoozed needs a future snoozeUntil); replaces the lifecycle timers',
      tags: ['conversations'],
      body: changeStatusBody,
      responses: { '200': conversationAnswer },
      // conflict_open_conversation: reopening while another conversation with the contact is open.
      errors: ['invalid_transition', 'conflict_open_conversation', 'snooze_until_in_past'],
    },
  },
  '/v1/conversations/{id}/assign': {
    post: {
      operationId: 'assignConversation',
      summary: 'Assign a queued conversation to an available agent within its capacity; it becomes active with assigneeId',
      tags: ['conversations'],
      body: assignBody,
      responses: { '200': conversationAnswer },
      errors: assignmentRefusals,
    },
  },
  '/v1/conversations/{id}/unassign': {
    post: {
      operationId: 'unassignConversation',
      summary: "Back to queued: clears assigneeId and frees the agent's slot; an automatic queue routes it to another member",
      tags: ['conversations'],
      responses: { '200': conversationAnswer },
      errors: ['invalid_transition'],
    },
  },
  '/v1/conversations/{id}/transfer': {
    post: {
      operationId: 'transferConversation',
      summary: 'Transfer a queued or active conversation to an agent (assigned now) or to a queue (routed there), with an optional note kept in transfers',
      tags: ['conversations'],
      body: transferBody,
      responses: { '200': conversationAnswer },
      errors: assignmentRefusals,
    },
  },
  '/v1/conversations/{id}/accept': {
    post: {
      operationId: 'acceptConversation',
      summary: 'The calling agent takes a queued conversation (the key must be linked to an agent by apiKeyId)',
      tags: ['conversations'],
      responses: { '200': conversationAnswer },
      errors: ['agent_key_required', ...assignmentRefusals],
    },
  },
  '/v1/conversations/{id}/archive': {
    post: { operationId: 'archiveConversation', summary: 'Archive: hide from the default list (the status is unchanged)', tags: ['conversations'], responses: { '200': conversationAnswer } },
  },
  '/v1/conversations/{id}/unarchive': {
    post: { operationId: 'unarchiveConversation', summary: 'Show in the default list again', tags: ['conversations'], responses: { '200': conversationAnswer } },
  },
  '/v1/conversations/{id}/read': {
    post: { operationId: 'markConversationRead', summary: 'Mark read: unreadCount goes to 0 and lastReadAt to now', tags: ['conversations'], responses: { '200': conversationAnswer } },
  },
  '/v1/conversations/{id}/snooze': {
    post: {
      operationId: 'snoozeConversation',
      summary: 'Snooze until a future time (the same as POST /status with status snoozed); it wakes then, or when the customer writes',
      tags: ['conversations'],
      body: snoozeBody,
      responses: { '200': conversationAnswer },
      errors: ['invalid_transition', 'snooze_until_in_past'],
    },
  },
  '/v1/conversations/{id}/messages': {
    get: {
      operationId: 'listMessages',
      summary: "A page of the conversation's messages, newest first",
      tags: ['messages'],
      query: paginationQuery,
      responses: { '200': { description: 'Messages', schema: pageOf(messageResponse) } },
    },
    post: {
      operationId: 'sendMessage',
      summary: 'Send a message (honours Idempotency-Key); the channel rules decide what may be sent now',
      tags: ['messages'],
      body: sendMessageBody,
      responses: { '202': { description: 'Queued for sending', schema: messageResponse } },
      errors: [...SEND_CHECKS, 'reaction_target_not_found'],
    },
  },
  ...conversationNoteOperations,
  ...conversationTagOperations,
  ...conversationTranscriptOperations,
};

/** The services the conversation routes (notes, tags and transcript included) hand their work to. */
export interface ConversationRouteDeps {
  conversationQueries: ConversationQueries;
  conversationOrganizer: ConversationOrganizer;
  conversationNotes: ConversationNotes;
  conversationDeleter: ConversationDeleter;
  lifecycle: LifecycleService;
  assignment: AssignmentService;
  transfers: ConversationTransfers;
  queuePosition: QueuePosition;
  sender: SendService;
  idempotencyRecords: Store['idempotencyRecords'];
}

/** The caller's role as the lifecycle and the events record who acted. */
const actorOf = (role: string) => (role === 'automation' ? 'automation' : 'agent');

/** Messages the single-conversation view shows; older ones are paged through /messages. */
const VIEW_MESSAGES = 50;

export function conversationRoutes(deps: ConversationRouteDeps): Router {
  const router = Router();
  const { conversationQueries: queries, conversationOrganizer: organizer, lifecycle, assignment, transfers, idempotencyRecords } = deps;
  const withWindow = (c: ConversationDoc) => queries.withWindow(c);

  router.get('/conversations', async (req, res) => {
    const { unread, archived, ...q } = listConversationsQuery.parse(req.query);
    const docs = await queries.list(authOf(res).workspaceId, { ...q, unread: unread && unread === 'true', archived: archived === 'true' });
    res.json(page(docs, q.limit, (c) => conversationToApi(c)));
  });

  router.get('/conversations/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const conversation = await queries.get(authOf(res).workspaceId, id);
    const messages = await queries.messages(conversation, { limit: VIEW_MESSAGES });
    const queuePosition = await deps.queuePosition.of(conversation);
    res.json({ ...(await withWindow(conversation)), queuePosition, messages: page(messages, VIEW_MESSAGES, messageToApi) });
  });

  router.get('/conversations/:id/messages', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const q = paginationQuery.parse(req.query);
    const conversation = await queries.get(authOf(res).workspaceId, id);
    res.json(page(await queries.messages(conversation, q), q.limit, messageToApi));
  });

  router.post(
    '/conversations/:id/messages',
    idempotent(idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = sendMessageBody.parse(req.body);
      const { workspaceId, keyId, role } = authOf(res);
      const content = await messageContentOf(body, (messageId) => queries.providerMessageId(workspaceId, id, messageId));
      const replyToMessageId = 'replyToMessageId' in body ? body.replyToMessageId : undefined;
      const tag = 'tag' in body ? body.tag : undefined;
      const message = await deps.sender.send(workspaceId, id, { content, replyToMessageId, tag }, { keyId, author: actorOf(role) });
      return { status: 202, body: messageToApi(message), conversationId: id };
    }),
  );

  router.post(
    '/conversations/:id/status',
    idempotent(idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = changeStatusBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const snoozeUntil = body.status === 'snoozed' ? new Date(body.snoozeUntil) : undefined;
      const updated = await lifecycle.changeStatus(workspaceId, id, body.status, { snoozeUntil, actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated), conversationId: id };
    }),
  );

  router.post(
    '/conversations/:id/assign',
    idempotent(idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { agentId } = assignBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const updated = await assignment.assign(workspaceId, id, agentId, { actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated), conversationId: id };
    }),
  );

  router.post(
    '/conversations/:id/unassign',
    idempotent(idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { workspaceId, role } = authOf(res);
      // Routed again at once: an automatic queue hands it to another available member.
      const updated = await transfers.unassign(workspaceId, id, { actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated), conversationId: id };
    }),
  );

  router.post(
    '/conversations/:id/accept',
    idempotent(idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { workspaceId, keyId } = authOf(res);
      return { status: 200, body: await withWindow(await assignment.accept(workspaceId, id, keyId)), conversationId: id };
    }),
  );

  router.post(
    '/conversations/:id/transfer',
    idempotent(idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = transferBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const updated = await transfers.transfer(workspaceId, id, body, { actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated), conversationId: id };
    }),
  );

  for (const [action, archived] of [['archive', true], ['unarchive', false]] as const) {
    router.post(
      `/conversations/:id/${action}`,
      idempotent(idempotencyRecords, async (req, res) => {
        const { id } = idParam.parse(req.params);
        return { status: 200, body: await withWindow(await organizer.setArchived(authOf(res).workspaceId, id, archived)), conversationId: id };
      }),
    );
  }

  router.patch('/conversations/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { priority } = updateConversationBody.parse(req.body);
    res.json(await withWindow(await organizer.setPriority(authOf(res).workspaceId, id, priority)));
  });

  router.post(
    '/conversations/:id/read',
    idempotent(idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      return { status: 200, body: await withWindow(await organizer.markRead(authOf(res).workspaceId, id)), conversationId: id };
    }),
  );

  router.post(
    '/conversations/:id/snooze',
    idempotent(idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { until } = snoozeBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const updated = await lifecycle.changeStatus(workspaceId, id, 'snoozed', { snoozeUntil: new Date(until), actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated), conversationId: id };
    }),
  );

  router.delete('/conversations/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(await deps.conversationDeleter.delete(authOf(res).workspaceId, id));
  });

  router.use(conversationNoteRoutes(deps), conversationTagRoutes(deps), conversationTranscriptRoutes(deps));
  return router;
}
