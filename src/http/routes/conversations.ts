import { Router } from 'express';
import type { Types } from 'mongoose';
import type { AppContext } from '../../app/context.js';
import { replyWindow } from '../../domain/send-policy.js';
import { windowRuleOf } from '../../outbound/policy-check.js';
import { notFound } from '../../errors.js';
import type { ConversationDoc } from '../../store/models/conversation.js';
import { authOf } from '../auth.js';
import { idempotent } from '../idempotency.js';
import { messageContentOf } from '../message-content.js';
import { cursorFilter, page } from '../pagination.js';
import { assignBody, changeStatusBody, idParam, listConversationsQuery, paginationQuery, sendMessageBody, transferBody } from '../schemas.js';
import { conversationToApi, messageToApi } from '../serializers.js';

export function conversationRoutes(ctx: AppContext): Router {
  const router = Router();

  /** A conversation as the API shows it, with what may be sent now. */
  const withWindow = async (c: ConversationDoc) => {
    const channel = await ctx.store.channels.findById(c.channelId).lean();
    const connector = channel && ctx.connectors.get(channel.type);
    const window = connector ? replyWindow(windowRuleOf(connector, channel.settings), c.lastInboundAt, ctx.clock.now()) : undefined;
    return conversationToApi(c, window);
  };
  const find = async (workspaceId: Types.ObjectId, id: string) => {
    const c = await ctx.store.conversations.findOne({ _id: id, workspaceId }).lean();
    if (!c) throw notFound('Conversation');
    return c;
  };

  router.get('/conversations', async (req, res) => {
    const q = listConversationsQuery.parse(req.query);
    const filter = {
      workspaceId: authOf(res).workspaceId,
      ...cursorFilter(q.cursor),
      ...(q.status && { status: q.status }),
      ...(q.channelId && { channelId: q.channelId }),
      ...(q.contactId && { contactId: q.contactId }),
      // Stored before the flag existed means not archived, hence $ne rather than false.
      archived: q.archived === 'true' ? true : { $ne: true },
      ...((q.createdFrom || q.createdTo) && {
        createdAt: { ...(q.createdFrom && { $gte: new Date(q.createdFrom) }), ...(q.createdTo && { $lt: new Date(q.createdTo) }) },
      }),
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
    idempotent(ctx, async (req, res) => {
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
    idempotent(ctx, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = changeStatusBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const snoozeUntil = body.status === 'snoozed' ? new Date(body.snoozeUntil) : undefined;
      const actor = role === 'automation' ? 'automation' : 'agent';
      const updated = await ctx.lifecycle.changeStatus(workspaceId, id, body.status, { snoozeUntil, actor });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  router.post(
    '/conversations/:id/assign',
    idempotent(ctx, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { agentId } = assignBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const updated = await ctx.assignment.assign(workspaceId, id, agentId, { actor: role === 'automation' ? 'automation' : 'agent' });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  router.post(
    '/conversations/:id/unassign',
    idempotent(ctx, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { workspaceId, role } = authOf(res);
      // Routed again at once: an automatic queue hands it to another available member.
      const updated = await ctx.router.unassign(workspaceId, id, { actor: role === 'automation' ? 'automation' : 'agent' });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  router.post(
    '/conversations/:id/accept',
    idempotent(ctx, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const { workspaceId, keyId } = authOf(res);
      return { status: 200, body: await withWindow(await ctx.assignment.accept(workspaceId, id, keyId)) };
    }),
  );

  router.post(
    '/conversations/:id/transfer',
    idempotent(ctx, async (req, res) => {
      const { id } = idParam.parse(req.params);
      const body = transferBody.parse(req.body);
      const { workspaceId, role } = authOf(res);
      const updated = await ctx.router.transfer(workspaceId, id, body, { actor: role === 'automation' ? 'automation' : 'agent' });
      return { status: 200, body: await withWindow(updated) };
    }),
  );

  for (const [action, archived] of [['archive', true], ['unarchive', false]] as const) {
    router.post(
      `/conversations/:id/${action}`,
      idempotent(ctx, async (req, res) => {
        const { id } = idParam.parse(req.params);
        const updated = await ctx.store.conversations
          .findOneAndUpdate({ _id: id, workspaceId: authOf(res).workspaceId }, { $set: { archived } }, { new: true })
          .lean();
        if (!updated) throw notFound('Conversation');
        return { status: 200, body: await withWindow(updated) };
      }),
    );
  }
  return router;
}
