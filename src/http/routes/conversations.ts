import { Router } from 'express';
import type { Types } from 'mongoose';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { updateConversation } from '../../conversations/conversation-update.js';
import { markReadUpdate } from '../../conversations/unread.js';
import { type ConversationDoc } from '../../store/models/conversation.js';
import { conversationMatch } from '../../search/text-search.js';
import { conversationResponse } from '../api-schemas.js';
import { authOf, requireAdmin } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { messageContentOf } from '../message-content.js';
import { commonErrors, type Operations } from '../operation.js';
import { cursorFilter, page } from '../pagination.js';
import { assignBody, changeStatusBody, idParam, listConversationsQuery, paginationQuery, sendMessageBody, transferBody } from '../schemas.js';
import { conversationToApi, messageToApi } from '../../representation/public-records.js';
import { conversationNoteOperations, conversationNoteRoutes } from './conversation-notes.js';
import { conversationTagOperations, conversationTagRoutes } from './conversation-tags.js';
import { conversationTranscriptOperations, conversationTranscriptRoutes } from './conversation-transcript.js';
import { actorOf, conversationWithWindow, findConversation } from './conversation-view.js';
import { CONVERSATION_PRIORITIES } from '../../domain/conversation.js';

export const updateConversationBody = z.strictObject({ priority: z.enum(CONVERSATION_PRIORITIES) });
export const snoozeBody = z.strictObject({ until: z.iso.datetime({ offset: true }) });

const conversationAnswer = { description: 'The conversation', schema: conversationResponse };
const deletedResponse = z.object({ deleted: z.literal(true), messages: z.number().int(), media: z.number().int() });

/** Operations on `/v1/conversations/{id}` itself, spread into that path's entry beside its GET. */
export const conversationItemOperations: Operations[string] = {
  patch: {
    summary: 'Change the priority (the status changes through /status, /snooze, /assign and the like)',
    tags: ['conversations'],
    pathId: true,
    body: updateConversationBody,
    responses: { '200': conversationAnswer, ...commonErrors },
  },
  delete: {
    summary:
      'Delete the conversation for good, with its messages, internal notes and stored media: this cannot be undone. A later message from the contact opens a new conversation (admin)',
    tags: ['conversations'],
    pathId: true,
    responses: { '200': { description: 'Deleted, with how many messages and media files were removed', schema: deletedResponse }, '403': 'admin_required', ...commonErrors },
  },
};

export const conversationOperations: Operations = {
  ...conversationNoteOperations,
  ...conversationTagOperations,
  ...conversationTranscriptOperations,
  '/v1/conversations/{id}/read': {
    post: { summary: 'Mark read: unreadCount goes to 0 and lastReadAt to now', tags: ['conversations'], pathId: true, responses: { '200': conversationAnswer, ...commonErrors } },
  },
  '/v1/conversations/{id}/snooze': {
    post: {
      summary: 'Snooze until a future time (the same as POST /status with status snoozed); it wakes then, or when the customer writes',
      tags: ['conversations'],
      pathId: true,
      body: snoozeBody,
      responses: { '200': conversationAnswer, '409': 'invalid_transition', '422': 'snooze_until_in_past', ...commonErrors },
    },
  },
};

export function conversationRoutes(ctx: AppContext): Router {
  const router = Router();

  const withWindow = (c: ConversationDoc) => conversationWithWindow(ctx, c);
  const find = (workspaceId: Types.ObjectId, id: string) => findConversation(ctx, workspaceId, id);

  router.get('/conversations', async (req, res) => {
    const q = listConversationsQuery.parse(req.query);
    const { workspaceId } = authOf(res);
    const filter = {
      workspaceId,
      ...cursorFilter(q.cursor),
      ...(q.status && { status: { $in: q.status } }),
      ...(q.channelId && { channelId: q.channelId }),
      ...(q.queueId && { queueId: q.queueId }),
      // Nobody assigned: never assigned, or unassigned back to queued (the field is removed then).
      ...(q.assigneeId && { assigneeId: q.assigneeId === 'none' ? null : q.assigneeId }),
      ...(q.tags && { tags: { $all: q.tags } }),
      ...(q.labelId && { labelIds: q.labelId }),
      ...(q.contactId && { contactId: q.contactId }),
      ...(q.priority && { priority: { $in: q.priority } }),
      // Stored before the flags existed means not unread, not archived: hence $ne rather than false.
      ...(q.unread && { unreadCount: q.unread === 'true' ? { $gt: 0 } : { $not: { $gt: 0 } } }),
      archived: q.archived === 'true' ? true : { $ne: true },
      ...((q.createdFrom || q.createdTo) && {
        createdAt: { ...(q.createdFrom && { $gte: new Date(q.createdFrom) }), ...(q.createdTo && { $lt: new Date(q.createdTo) }) },
      }),
      ...(q.q && (await conversationMatch(ctx.store, workspaceId, q.q))),
    };
    const docs = await ctx.store.conversations.find(filter).sort({ _id: -1 }).limit(q.limit + 1).lean();
    res.json(page(docs, q.limit, (c) => conversationToApi(c)));
  });

  router.get('/conversations/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const conversation = await find(authOf(res).workspaceId, id);
    const messages = await ctx.store.messages.find({ conversationId: conversation._id }).sort({ _id: -1 }).limit(51).lean();
    const queuePosition = await ctx.router.queuePosition(conversation);
    res.json({ ...(await withWindow(conversation)), queuePosition, messages: page(messages, 50, messageToApi) });
  });

  router.get('/conversations/:id/messages', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const q = paginationQuery.parse(req.query);
    const conversation = await find(authOf(res).workspaceId, id);
    const docs = await ctx.store.messages
      .find({ conversationId: conversation._id, ...cursorFilter(q.cursor) })
      .sort({ _id: -1 })
      .limit(q.limit + 1)
      .lean();
    res.json(page(docs, q.limit, messageToApi));
  });

  router.post(
    '/conversations/:id/messages',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = sendMessageBody.parse(req.body);
      const { workspaceId, keyId, role } = authOf(res);
      const content = await messageContentOf(body, async (messageId) => (await ctx.store.messages.findOne({ _id: messageId, workspaceId, conversationId: id }).lean())?.providerMessageId);
      const replyToMessageId = 'replyToMessageId' in body ? body.replyToMessageId : undefined;
      const tag = 'tag' in body ? body.tag : undefined;
      const author = role === 'automation' ? 'automation' : 'agent';
      const message = await ctx.sender.send(workspaceId, id, { content, replyToMessageId, tag }, { keyId, author });
      return { status: 202, body: messageToApi(message) };
    }),
  );

  router.post(
    '/conversations/:id/status',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = changeStatusBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const snoozeUntil = body.status === 'snoozed' ? new Date(body.snoozeUntil) : undefined;
      const updated = await ctx.lifecycle.changeStatus(workspaceId, id, body.status, { snoozeUntil, actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  router.post(
    '/conversations/:id/assign',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { agentId } = assignBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const updated = await ctx.assignment.assign(workspaceId, id, agentId, { actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  router.post(
    '/conversations/:id/unassign',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { workspaceId, role } = authOf(res);
      // Routed again at once: an automatic queue hands it to another available member.
      const updated = await ctx.router.unassign(workspaceId, id, { actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  router.post(
    '/conversations/:id/accept',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { workspaceId, keyId } = authOf(res);
      return { status: 200, body: await withWindow(await ctx.assignment.accept(workspaceId, id, keyId)) };
    }),
  );

  router.post(
    '/conversations/:id/transfer',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = transferBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const updated = await ctx.router.transfer(workspaceId, id, body, { actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  for (const [action, archived] of [['archive', true], ['unarchive', false]] as const) {
    router.post(
      `/conversations/:id/${action}`,
      idempotent(ctx.store.idempotencyRecords, async (req, res) => {
        const { id } = idParam.parse(req.params);
        const updated = await updateConversation(ctx, authOf(res).workspaceId, id, ['archived'], { $set: { archived } });
        return { status: 200, body: await withWindow(updated) };
      }),
    );
  }

  router.patch('/conversations/:id', async (req, res) => {
    const { id } = idParam.parse(req.params);
    const { priority } = updateConversationBody.parse(req.body);
    const updated = await updateConversation(ctx, authOf(res).workspaceId, id, ['priority'], { $set: { priority } });
    res.json(await withWindow(updated));
  });

  router.post(
    '/conversations/:id/read',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const updated = await updateConversation(ctx, authOf(res).workspaceId, id, ['unreadCount', 'lastReadAt'], markReadUpdate(ctx.clock.now()));
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  router.post(
    '/conversations/:id/snooze',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { until } = snoozeBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const updated = await ctx.lifecycle.changeStatus(workspaceId, id, 'snoozed', { snoozeUntil: new Date(until), actor: actorOf(role) });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  router.delete('/conversations/:id', requireAdmin, async (req, res) => {
    const { id } = idParam.parse(req.params);
    res.json(await ctx.conversationDeleter.delete(authOf(res).workspaceId, id));
  });

  router.use(conversationNoteRoutes(ctx), conversationTagRoutes(ctx), conversationTranscriptRoutes(ctx));
  return router;
}
