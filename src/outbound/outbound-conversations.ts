import { Types } from 'mongoose';
import type { ChannelService } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import { resolveIdentity } from '../contacts/contact-resolver.js';
import { openConversationFor } from '../conversations/open-conversation.js';
import { emailThreadKey } from '../conversations/thread-conversation.js';
import { openThreadKey } from '../domain/conversation.js';
import type { MessageContent } from '../domain/message.js';
import { badRequest, notFound, unprocessable } from '../errors.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { MessageDoc } from '../store/models/message.js';
import type { TemplateRegistry } from '../template-registry/template-registry.js';
import { checkSend } from './policy-check.js';
import { senderKindOf, type MessageSender, type NewOutboundMessage, type SendService } from './send-service.js';

/** A conversation an agent or automation starts: the contact's id on the channel and the first message. */
export interface OutboundStart extends Omit<NewOutboundMessage, 'content'> {
  channelId: string;
  /** Phone number / wa_id, PSID, email address. */
  to: string;
  /** Thread-scoped channels (email): the new thread's subject. */
  subject?: string;
  /** Asked for once the channel is known, so an unknown channel or a misplaced subject is refused before the message is. */
  content: () => Promise<MessageContent>;
}

/**
 * Conversations the business starts: free-form where the channel allows it, otherwise an
 * approved template. The contact and the conversation are only stored once the send policy
 * has accepted the message.
 */
export class OutboundConversations {
  constructor(private readonly deps: { store: Store; channels: ChannelService; templates: TemplateRegistry; clock: Clock; sender: SendService }) {}

  async start(workspaceId: Types.ObjectId, input: OutboundStart, sender: MessageSender): Promise<{ conversation: ConversationDoc; message: MessageDoc }> {
    const { store } = this.deps;
    const channel = await store.channels.findOne({ _id: input.channelId, workspaceId }).lean();
    if (!channel) throw notFound('Channel');
    const connector = this.deps.channels.connectorOf(channel);
    const threaded = connector.capabilities.conversations === 'thread';
    if (input.subject !== undefined && !threaded) throw badRequest('invalid_request', 'subject is only for thread-scoped channels (email)');
    const recipientProblem = connector.recipientProblem?.(input.to);
    if (recipientProblem) throw badRequest('invalid_recipient', recipientProblem);
    const content = await input.content();

    // The policy is asked before anything is stored, so a refusal (template_required for a
    // contact who never wrote) leaves no contact, identity or conversation behind.
    const existing = await this.existingConversation(channel, input.to, threaded);
    const { refusal } = await checkSend(this.deps, { doc: channel, connector }, { lastInboundAt: existing?.lastInboundAt }, { content, tag: input.tag, sender: senderKindOf(sender.author) });
    if (refusal) throw unprocessable(refusal.code, refusal.message, refusal.details);

    const { contactId } = await resolveIdentity(store, channel, { externalId: input.to }, this.deps.clock.now());
    // A key of our own stands in for the provider message that opens inbound conversations.
    const providerKey = `outbound:${String(new Types.ObjectId())}`;
    const { conversation, created } = await openConversationFor(store, channel, contactId, providerKey, {
      ...(threaded && { threadKey: emailThreadKey(channel._id, providerKey) }),
      subject: input.subject,
    });
    try {
      const message = await this.deps.sender.send(workspaceId, String(conversation._id), { content, replyToMessageId: input.replyToMessageId, tag: input.tag }, sender);
      return { conversation, message };
    } catch (err) {
      // What the pre-check cannot see (stored media missing, a window closing in between) still
      // must not leave an empty conversation: remove it if this request made it and it holds nothing.
      if (created && !(await store.messages.exists({ conversationId: conversation._id }))) {
        await store.conversations.deleteOne({ _id: conversation._id });
      }
      throw err;
    }
  }

  /**
   * The open conversation the message would join, if any, without creating anything: chat
   * channels have one per (channel, contact); on thread-scoped channels each start is a new thread.
   */
  private async existingConversation(channel: ChannelDoc, to: string, threaded: boolean): Promise<ConversationDoc | null> {
    if (threaded) return null;
    const { store } = this.deps;
    // A retired identity is no longer its contact's: writing to it starts with whoever holds it now.
    const identity = await store.contactIdentities.findOne({ channelId: channel._id, externalId: to, retiredAt: { $exists: false } }).lean();
    return identity && store.conversations.findOne({ openThread: openThreadKey(String(channel._id), String(identity.contactId)) }).lean();
  }
}
