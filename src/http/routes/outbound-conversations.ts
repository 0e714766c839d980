import type { Operations } from '../operation.js';
import { Router } from 'express';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { AppContext } from '../../app/context.js';
import { messageContentOf } from '../message-content.js';
import { resolveContact } from '../../contacts/contact-resolver.js';
import { openThreadKey } from '../../domain/conversation.js';
import { openConversationFor } from '../../conversations/open-conversation.js';
import { emailThreadKey } from '../../conversations/thread-conversation.js';
import { badRequest, notFound, unprocessable } from '../../errors.js';
import { checkSend } from '../../outbound/policy-check.js';
import { senderKindOf, type MessageSender } from '../../outbound/send-service.js';
import type { ChannelDoc } from '../../store/models/channel.js';
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
      summary: "Start a conversation with a contact on a channel: free-form where the channel allows it, otherwise an approved template",
      tags: ['conversations'],
      body: startOutboundConversationBody,
      responses: {
        '202': { description: 'Accepted; the message is queued', schema: z.object({ conversation: conversationResponse, message: messageResponse }) },
        '422': 'A send-policy refusal (template_required, window_closed, template_not_approved, …); nothing is created',
        '400': 'Invalid request',
        '401': 'Missing or invalid credentials',
        '404': 'Channel not found',
      },
    },
  },
};

export function outboundConversationRoutes(ctx: AppContext): Router {
  const router = Router();

  /**
   * The open conversation the message would join, if any, without creating anything: chat
   * channels have one per (channel, contact); on thread-scoped channels each start is a new thread.
   */
  const existingConversation = async (channel: ChannelDoc, to: string, threaded: boolean) => {
    if (threaded) return null;
    const identity = await ctx.store.contactIdentities.findOne({ channelId: channel._id, externalId: to }).lean();
    return identity && ctx.store.conversations.findOne({ openThread: openThreadKey(String(channel._id), String(identity.contactId)) }).lean();
  };

  router.post(
    '/outbound-conversations',
    idempotent(ctx.store.idempotencyRecords, async (req, res) => {
      const body = startOutboundConversationBody.parse(req.body);
      const { workspaceId, keyId, role } = authOf(res);
      const sender: MessageSender = { keyId, author: role === 'automation' ? 'automation' : 'agent' };
      const channel = await ctx.store.channels.findOne({ _id: body.channelId, workspaceId }).lean();
      if (!channel) throw notFound('Channel');
      const connector = ctx.channels.connectorOf(channel);
      const threaded = connector.capabilities.conversations === 'thread';
      if (body.subject !== undefined && !threaded) throw badRequest('invalid_request', 'subject is only for thread-scoped channels (email)');
      const content = await messageContentOf(body.message, async () => undefined);
      const tag = 'tag' in body.message ? body.message.tag : undefined;
      const replyToMessageId = 'replyToMessageId' in body.message ? body.message.replyToMessageId : undefined;

      // The policy is asked before anything is stored, so a refusal (template_required for a
      // contact who never wrote) leaves no contact, identity or conversation behind.
      const existing = await existingConversation(channel, body.to, threaded);
      const { refusal } = await checkSend(ctx, { doc: channel, connector }, { lastInboundAt: existing?.lastInboundAt }, { content, tag, sender: senderKindOf(sender.author) });
      if (refusal) throw unprocessable(refusal.code, refusal.message, refusal.details);

      const contactId = await resolveContact(ctx.store, channel, { externalId: body.to });
      // A key of our own stands in for the provider message that opens inbound conversations.
      const providerKey = `outbound:${String(new Types.ObjectId())}`;
      const { conversation, created } = await openConversationFor(ctx.store, channel, contactId, providerKey, {
        ...(threaded && { threadKey: emailThreadKey(channel._id, providerKey) }),
        subject: body.subject,
      });
      try {
        const message = await ctx.sender.send(workspaceId, String(conversation._id), { content, replyToMessageId, tag }, sender);
        return { status: 202, body: { conversation: conversationToApi(conversation), message: messageToApi(message) } };
      } catch (err) {
        // What the pre-check cannot see (stored media missing, a window closing in between) still
        // must not leave an empty conversation: remove it if this request made it and it holds nothing.
        if (created && !(await ctx.store.messages.exists({ conversationId: conversation._id }))) {
          await ctx.store.conversations.deleteOne({ _id: conversation._id });
        }
        throw err;
      }
    }),
  );
  return router;
}
