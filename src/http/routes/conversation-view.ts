import type { Types } from 'mongoose';
import type { AppContext } from '../../app/context.js';
import { replyWindow } from '../../domain/send-policy.js';
import { notFound } from '../../errors.js';
import { windowRuleOf } from '../../outbound/policy-check.js';
import type { ConversationDoc } from '../../store/models/conversation.js';
import { conversationToApi } from '../../representation/public-records.js';

/** A conversation as the conversation routes show it, with what may be sent now. */
export async function conversationWithWindow(ctx: AppContext, c: ConversationDoc) {
  const channel = await ctx.store.channels.findById(c.channelId).lean();
  const connector = channel && ctx.connectors.get(channel.type);
  const window = connector ? replyWindow(windowRuleOf(connector, channel.settings), c.lastInboundAt, ctx.clock.now()) : undefined;
  return conversationToApi(c, window);
}

/** The caller's conversation; another workspace's is a 404 like a missing one. */
export async function findConversation(ctx: AppContext, workspaceId: Types.ObjectId, id: string): Promise<ConversationDoc> {
  const c = await ctx.store.conversations.findOne({ _id: id, workspaceId }).lean();
  if (!c) throw notFound('Conversation');
  return c;
}

/** The caller's role as the lifecycle and the events record who acted. */
export const actorOf = (role: string) => (role === 'automation' ? 'automation' : 'agent');
