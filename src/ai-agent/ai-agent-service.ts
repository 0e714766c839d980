import type { AxiosInstance } from 'axios';
import { Types } from 'mongoose';
import type { ChannelService } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import { asksForPerson, DEFAULT_HANDOFF_PHRASES, looksLikeLoop, type HandoffActor, type HandoffReason, type HistoryLine } from '../domain/ai-agent.js';
import { messageText } from '../domain/automation.js';
import { isOpen } from '../domain/conversation.js';
import { startsWorkForPeople, type MessageContent } from '../domain/message.js';
import type { ThreadControlMove } from '../../connectors/contract.js';
import { AppError, conflict, notFound } from '../errors.js';
import type { Outbox } from '../events/outbox.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import type { SendService } from '../outbound/send-service.js';
import { conversationToApi } from '../representation/public-records.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Store } from '../store/index.js';
import type { AiAgentConfigDoc } from '../store/models/ai-agent-config.js';
import type { ConversationAiAgent, ConversationDoc } from '../store/models/conversation.js';
import type { DomainEventDoc } from '../store/models/domain-event.js';
import type { MessageDoc } from '../store/models/message.js';
import type { WebhookTargetGuard } from '../webhooks/allowlist.js';
import type { AiAgentConfigs } from './ai-agent-settings.js';
import type { AiBackend, HistoryRole, ReplyContext } from './backend.js';
import { OpenAiChatBackend } from './backends/openai-chat.js';
import { WebhookBotBackend } from './backends/webhook-bot.js';

/** One customer message for the AI agent to answer: a job of the `ai-agent` queue. */
export interface AiReplyJobData {
  workspaceId: string;
  conversationId: string;
  messageId: string;
  /** Set on the delayed check that a webhook bot answered this message in time. */
  deadline?: true;
}

/** The job answering one customer message: its id is the message's, so a redelivered event never asks twice. */
export const aiReplyJobId = (messageId: string) => `ai-reply-${messageId}`;

const HOUR_MS = 3_600_000;

export interface AiAgentDeps {
  store: Store;
  channels: ChannelService;
  queues: Queues;
  outbox: Outbox;
  sender: SendService;
  configs: AiAgentConfigs;
  secretBox: SecretBox;
  targets: WebhookTargetGuard;
  http: AxiosInstance;
  clock: Clock;
  logger: Logger;
  /** Per backend call; then the attempt failed. */
  timeoutMs: number;
  /** How long a webhook bot has to answer a message it acknowledged, before people take over. */
  botAnswerMs: number;
  attempts: number;
  backoffMs: number;
}

/** A handoff as a `conversation.handed_off` event carries it and its reaction applies it. */
interface Handoff {
  /** The period of Agent replies it ends: the handoff applies to that period only. */
  period: number;
  at: Date;
  reason: HandoffReason;
  actor: HandoffActor;
  note?: string;
}

/**
 * Agent replies: while a conversation's switch is on, each new customer message is answered by
 * the workspace's AI agent (a model or an external bot) through the one send path as an
 * `automation` sender, and the conversation is kept from people; a handoff turns it off and
 * routes the conversation to people (the `conversation.handed_off` reaction).
 */
export class AiAgentService {
  constructor(private readonly deps: AiAgentDeps) {}

  /** What the events worker hands over (src/app/reactions.ts), before routing. */
  async react(event: DomainEventDoc): Promise<void> {
    const { conversationId } = event;
    // A workspace that never configured an AI agent pays one cache read, nothing in the store.
    if (!conversationId || !(await this.deps.configs.of(event.workspaceId))) return;
    switch (event.type) {
      case 'conversation.created':
        return this.startIfDefault(event.workspaceId, conversationId);
      case 'message.received':
        return this.customerWrote(event);
      case 'conversation.assigned': {
        const actor = event.data.actor === 'automation' ? 'automation' : 'agent';
        await this.handOff(event.workspaceId, conversationId, { reason: 'agent_took_over', actor });
        return;
      }
      case 'message.sent': {
        // A person's reply, once the provider took it: people have the conversation now.
        const author = (event.data.message as { author?: string } | undefined)?.author;
        if (author === 'agent') await this.handOff(event.workspaceId, conversationId, { reason: 'agent_took_over', actor: 'agent' });
        return;
      }
    }
  }

  /** A new conversation on a channel whose default is on starts with Agent replies on. */
  private async startIfDefault(workspaceId: Types.ObjectId, conversationId: Types.ObjectId): Promise<void> {
    const config = await this.deps.configs.of(workspaceId);
    if (!config?.enabled || config.defaultChannelIds.length === 0) return;
    const conversation = await this.deps.store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    if (!conversation || !isOpen(conversation.status) || !config.defaultChannelIds.some((id) => id.equals(conversation.channelId))) return;
    // Only a conversation the switch was never set on: a re-run reaction changes nothing.
    await this.deps.store.conversations.updateOne(
      { _id: conversationId, aiAgent: { $exists: false } },
      { $set: { aiAgent: { replies: true, changedAt: this.deps.clock.now(), period: 1 } } },
    );
  }

  /**
   * A customer message in a conversation the AI agent answers: handed to people at once when it
   * asks for a person, otherwise answered by a job of its own (so a slow backend holds up nothing).
   * History, automatic mail and the business's own messages are never answered.
   */
  private async customerWrote(event: DomainEventDoc): Promise<void> {
    const message = event.data.message as { id: string; author: string; standby?: boolean; content: MessageContent } | undefined;
    if (!message || message.author !== 'contact' || !startsWorkForPeople(message)) return;
    const config = await this.deps.configs.of(event.workspaceId);
    if (!config?.enabled) {
      // The AI agent was disabled (handOffAll) as this message came in: people take the conversation.
      const snapshot = event.data.conversation as { aiAgent?: { replies?: boolean } | null } | undefined;
      if (snapshot?.aiAgent?.replies) await this.handOff(event.workspaceId, event.conversationId!, { reason: 'switched_off', actor: 'agent' });
      return;
    }
    const conversation = await this.deps.store.conversations.findOne({ _id: event.conversationId, workspaceId: event.workspaceId }).lean();
    if (!conversation?.aiAgent?.replies || !isOpen(conversation.status)) return;
    const text = messageText(message.content) ?? '';
    if (asksForPerson(text, [...DEFAULT_HANDOFF_PHRASES, ...config.handoffPhrases])) {
      await this.handOff(event.workspaceId, conversation._id, { reason: 'customer_asked', actor: 'customer', note: text.slice(0, 500) });
      return;
    }
    const data: AiReplyJobData = { workspaceId: String(event.workspaceId), conversationId: String(conversation._id), messageId: message.id };
    // No sweep re-queues this: an add that fails fails the events job, which is retried.
    await this.deps.queues.aiAgent.add('reply', data, {
      jobId: aiReplyJobId(message.id),
      attempts: this.deps.attempts,
      backoff: { type: 'exponential', delay: this.deps.backoffMs },
    });
  }

  /**
   * The `ai-agent` job: asks the backend and sends its answer, or hands off. Safe to re-run: an
   * answer already stored is not asked for again, and its send is idempotent on its derived id.
   * A throw is retried with backoff; the last attempt's failure is `backendFailed`.
   */
  async answer(job: AiReplyJobData): Promise<void> {
    if (job.deadline) return this.checkBotAnswered(job);
    const { store } = this.deps;
    const workspaceId = new Types.ObjectId(job.workspaceId);
    const conversation = await this.answering(workspaceId, job.conversationId);
    const config = conversation && (await this.deps.configs.of(workspaceId));
    if (!conversation || !config?.enabled) return;
    const asked = await store.messages.findOne({ _id: job.messageId, conversationId: conversation._id }, { aiReplyId: 1 }).lean();
    if (!asked || (asked.aiReplyId && (await store.messages.exists({ _id: asked.aiReplyId })))) return;
    const recent = await this.recentMessages(conversation._id, config.historyMessages);
    // A newer customer message has its own job, which answers with this one in its history.
    const lastFromCustomer = recent.findLast((m) => m.author === 'contact');
    if (lastFromCustomer && String(lastFromCustomer._id) !== job.messageId) return;
    const history = recent.map((m) => ({ role: roleOf(m), text: textOf(m.content), at: m.createdAt.toISOString() }));
    if (looksLikeLoop(history.map(loopLineOf))) return void (await this.handOff(workspaceId, conversation._id, { reason: 'loop_detected', actor: 'ai_agent' }));
    if (await this.overRate(conversation._id, config)) return void (await this.handOff(workspaceId, conversation._id, { reason: 'rate_limited', actor: 'ai_agent' }));
    const context: ReplyContext = {
      workspaceId: job.workspaceId,
      conversationId: job.conversationId,
      channelType: (await store.channels.findById(conversation.channelId, { type: 1 }).lean())?.type ?? 'unknown',
      messageId: job.messageId,
      history,
      instructions: config.instructions,
      knowledge: config.knowledge,
    };
    const answer = await (await this.backendOf(config)).reply(context);
    if ('later' in answer) return this.expectBotAnswer(job);
    if ('handoff' in answer) return void (await this.handOff(workspaceId, conversation._id, { reason: 'bot_requested', actor: 'ai_agent', note: answer.handoff || undefined }));
    // Still the AI agent's? A person may have taken over while the model was thinking.
    if (!(await this.answering(workspaceId, job.conversationId))) return;
    const replyId = await this.replyIdFor(asked._id);
    // A refusal has handed the conversation off: done, not retried.
    await this.sendReply(workspaceId, conversation._id, answer.text, { id: replyId }).catch((err: unknown) => {
      if (!isPolicyRefusal(err)) throw err;
    });
  }

  /**
   * The id the answer to a customer message is stored under: made when first needed (so the
   * answer sorts where it was written) and kept on the customer message, so a re-run job sends
   * the same message, which SendService stores and sends at most once.
   */
  private async replyIdFor(messageId: Types.ObjectId): Promise<Types.ObjectId> {
    const { store } = this.deps;
    await store.messages.updateOne({ _id: messageId, aiReplyId: { $exists: false } }, { $set: { aiReplyId: new Types.ObjectId() } });
    const asked = await store.messages.findById(messageId, { aiReplyId: 1 }).lean();
    return asked!.aiReplyId!;
  }

  /** The bot acknowledged the message: its answer is due within botAnswerMs (a delayed check, one per message). */
  private async expectBotAnswer(job: AiReplyJobData): Promise<void> {
    await this.deps.queues.aiAgent.add('bot-deadline', { ...job, deadline: true }, { jobId: `ai-deadline-${job.messageId}`, delay: this.deps.botAnswerMs });
  }

  /**
   * A bot's answer is due: handed off unless the AI agent wrote after the customer's message, or
   * the customer wrote again (that message has its own deadline), or people have it already.
   */
  private async checkBotAnswered(job: AiReplyJobData): Promise<void> {
    const workspaceId = new Types.ObjectId(job.workspaceId);
    const conversation = await this.answering(workspaceId, job.conversationId);
    if (!conversation) return;
    const [latest] = await this.deps.store.messages
      .find({ conversationId: conversation._id, _id: { $gt: new Types.ObjectId(job.messageId) } })
      .sort({ _id: 1 })
      .limit(50)
      .lean()
      .then((after) => after.filter((m) => m.aiAgent || m.author === 'contact'));
    if (latest) return;
    await this.handOff(workspaceId, conversation._id, { reason: 'backend_failed', actor: 'ai_agent', note: 'the bot did not answer in time' });
  }

  /** The last attempt failed (timeouts, errors): people take over. */
  async backendFailed(job: AiReplyJobData, err: unknown): Promise<void> {
    const note = err instanceof Error ? err.message : String(err);
    this.deps.logger.warn({ conversationId: job.conversationId, messageId: job.messageId, err: note }, 'AI agent backend failed, handing off');
    await this.handOff(new Types.ObjectId(job.workspaceId), new Types.ObjectId(job.conversationId), { reason: 'backend_failed', actor: 'ai_agent', note: note.slice(0, 500) });
  }

  /**
   * The external bot's answer (`POST /v1/conversations/:id/ai-agent/replies`, an automation key):
   * the same rules as a model's answer. A refusal of the send policy hands off and is answered.
   */
  async botReply(workspaceId: Types.ObjectId, conversationId: string, text: string, keyId: Types.ObjectId): Promise<MessageDoc> {
    const conversation = await this.answeredByBot(workspaceId, conversationId);
    const config = await this.deps.configs.of(workspaceId);
    if (config && (await this.overRate(conversation._id, config))) {
      await this.handOff(workspaceId, conversation._id, { reason: 'rate_limited', actor: 'automation' });
      throw conflict('ai_agent_off', 'Too many automatic replies in the last hour: the conversation was handed to people');
    }
    return this.sendReply(workspaceId, conversation._id, text, { keyId });
  }

  /** The external bot hands the conversation to people (`POST /v1/conversations/:id/ai-agent/handoff`). */
  async botHandoff(workspaceId: Types.ObjectId, conversationId: string, note: string | undefined): Promise<ConversationDoc> {
    const conversation = await this.answeredByBot(workspaceId, conversationId);
    await this.handOff(workspaceId, conversation._id, { reason: 'bot_requested', actor: 'automation', ...(note && { note }) });
    return (await this.conversationOf(workspaceId, conversationId))!;
  }

  /** For the bot's calls: 404 for no such conversation, 409 when the AI agent does not answer it. */
  private async answeredByBot(workspaceId: Types.ObjectId, conversationId: string): Promise<ConversationDoc> {
    const conversation = await this.conversationOf(workspaceId, conversationId);
    if (!conversation) throw notFound('Conversation');
    if (!conversation.aiAgent?.replies || !isOpen(conversation.status)) throw conflict('ai_agent_off', 'Agent replies are off for this conversation: people handle it');
    return conversation;
  }

  /** Agent replies on or off (`PUT /v1/conversations/:id/ai-agent`); off is a handoff. */
  async setReplies(workspaceId: Types.ObjectId, conversationId: string, replies: boolean, actor: HandoffActor): Promise<ConversationDoc> {
    const { store } = this.deps;
    const conversation = await this.conversationOf(workspaceId, conversationId);
    if (!conversation) throw notFound('Conversation');
    if (!replies) {
      await this.handOff(workspaceId, conversation._id, { reason: 'switched_off', actor });
    } else if (!conversation.aiAgent?.replies) {
      const config = await this.deps.configs.of(workspaceId);
      if (!config?.enabled) throw conflict('ai_agent_not_configured', 'The workspace has no enabled AI agent (PUT /v1/ai-agent)');
      if (!isOpen(conversation.status)) throw conflict('conversation_ended', `The conversation is ${conversation.status}`);
      const on = await store.conversations
        .findOneAndUpdate(
          { _id: conversation._id, workspaceId },
          { $set: { 'aiAgent.replies': true, 'aiAgent.changedAt': this.deps.clock.now() }, $inc: { 'aiAgent.period': 1 } },
          { returnDocument: 'after' },
        )
        .lean();
      if (on) {
        await this.announce(on);
        await this.moveThread(on._id, { to: 'ai_agent', metadata: 'Agent replies on' });
      }
    }
    return (await this.conversationOf(workspaceId, conversationId)) ?? conversation;
  }

  /** The AI agent disabled for the workspace: every open conversation it answered goes to people. */
  async handOffAll(workspaceId: Types.ObjectId): Promise<void> {
    const answered = await this.deps.store.conversations.find({ workspaceId, 'aiAgent.replies': true }, { status: 1 }).lean();
    for (const conversation of answered.filter((c) => isOpen(c.status))) await this.handOff(workspaceId, conversation._id, { reason: 'switched_off', actor: 'agent' });
  }

  /**
   * Hands a conversation from the AI agent to people: a `conversation.handed_off` event first
   * (keyed by the period of Agent replies it ends, so concurrent handoffs make one event), then
   * the switch turned off. The event's reaction applies the same change again and routes the
   * conversation, so a crash between the two loses nothing. False when replies were not on.
   */
  async handOff(workspaceId: Types.ObjectId, conversationId: Types.ObjectId | string, why: Omit<Handoff, 'at' | 'period'>): Promise<boolean> {
    const conversation = await this.deps.store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    if (!conversation?.aiAgent?.replies) return false;
    const handoff: Handoff = { ...why, period: conversation.aiAgent.period, at: this.deps.clock.now() };
    const after = { ...conversation, aiAgent: switchedOff(handoff) };
    await this.deps.outbox.emit({
      type: 'conversation.handed_off',
      workspaceId,
      key: `${String(conversation._id)}-${handoff.period}`,
      conversationId: conversation._id,
      data: { conversation: conversationToApi(after), reason: handoff.reason, actor: handoff.actor, note: handoff.note ?? null, period: handoff.period },
    });
    await this.settle(conversation._id, handoff);
    return true;
  }

  /** The reaction to `conversation.handed_off`: the switch off (again, harmlessly); routing follows. */
  async handedOff(event: DomainEventDoc): Promise<void> {
    const data = event.data as { reason: HandoffReason; actor: HandoffActor; note: string | null; period: number; conversation: { aiAgent: { changedAt: string } } };
    if (!event.conversationId) return;
    const handoff: Handoff = { reason: data.reason, actor: data.actor, period: data.period, at: new Date(data.conversation.aiAgent.changedAt), ...(data.note && { note: data.note }) };
    await this.settle(event.conversationId, handoff);
    await this.moveThread(event.conversationId, { to: 'people', metadata: `handoff: ${handoff.reason}${handoff.note ? ` (${handoff.note})` : ''}` });
  }

  /**
   * Messenger's handover protocol: the contact's thread follows the conversation between the AI
   * agent and the app people answer in, on channels that name one. Best effort: a refusal by Meta
   * is logged, and the conversation is routed whatever it says.
   */
  private async moveThread(conversationId: Types.ObjectId, move: Omit<ThreadControlMove, 'recipient'>): Promise<void> {
    const { store, channels, logger } = this.deps;
    const conversation = await store.conversations.findById(conversationId, { channelId: 1, contactId: 1 }).lean();
    const channel = conversation && (await channels.resolveById(String(conversation.channelId)));
    const moveThreadControl = channel?.connector.moveThreadControl;
    if (!conversation || !channel || !moveThreadControl) return;
    const identity = await store.contactIdentities.findOne({ channelId: conversation.channelId, contactId: conversation.contactId, retiredAt: { $exists: false } }).lean();
    if (!identity) return;
    try {
      await moveThreadControl({ ...move, recipient: identity.externalId }, channel.access);
    } catch (err) {
      logger.warn({ conversationId: String(conversationId), to: move.to, err: err instanceof Error ? err.message : String(err) }, 'thread control not moved');
    }
  }

  /** Turns the switch off for the period the handoff ends; a later period (switched on again since) is left alone. */
  private async settle(conversationId: Types.ObjectId, handoff: Handoff): Promise<void> {
    await this.deps.store.conversations.updateOne(
      { _id: conversationId, 'aiAgent.replies': true, 'aiAgent.period': handoff.period },
      { $set: { aiAgent: switchedOff(handoff) } },
    );
  }

  private async conversationOf(workspaceId: Types.ObjectId, conversationId: string): Promise<ConversationDoc | null> {
    return Types.ObjectId.isValid(conversationId) ? this.deps.store.conversations.findOne({ _id: conversationId, workspaceId }).lean() : null;
  }

  /** The conversation, when it is open and the AI agent answers it. */
  private async answering(workspaceId: Types.ObjectId, conversationId: string): Promise<ConversationDoc | null> {
    const conversation = await this.conversationOf(workspaceId, conversationId);
    return conversation?.aiAgent?.replies && isOpen(conversation.status) ? conversation : null;
  }

  /** Through the one send path as an `automation` sender (never HUMAN_AGENT); a policy refusal hands off instead of retrying. */
  private async sendReply(workspaceId: Types.ObjectId, conversationId: Types.ObjectId, text: string, opts: { id?: Types.ObjectId; keyId?: Types.ObjectId }): Promise<MessageDoc> {
    try {
      return await this.deps.sender.send(workspaceId, String(conversationId), { content: { type: 'text', text }, ...(opts.id && { id: opts.id }) }, { author: 'automation', aiAgent: true, keyId: opts.keyId });
    } catch (err) {
      if (isPolicyRefusal(err)) await this.handOff(workspaceId, conversationId, { reason: 'send_refused', actor: 'ai_agent', note: err.code });
      throw err;
    }
  }

  private async recentMessages(conversationId: Types.ObjectId, count: number): Promise<MessageDoc[]> {
    // Notes are read in the page and left out here (a `$ne` filter would scan on FerretDB).
    const page = await this.deps.store.messages.find({ conversationId }).sort({ _id: -1 }).limit(count * 2).lean();
    return page.filter((m) => !m.internal).slice(0, count).reverse();
  }

  private async overRate(conversationId: Types.ObjectId, config: AiAgentConfigDoc): Promise<boolean> {
    const since = new Date(this.deps.clock.now().getTime() - HOUR_MS);
    const sent = await this.deps.store.messages.countDocuments({ conversationId, aiAgent: true, createdAt: { $gte: since } });
    return sent >= config.maxRepliesPerHour;
  }

  private async backendOf(config: AiAgentConfigDoc): Promise<AiBackend> {
    const { backend } = config;
    const { http, timeoutMs, secretBox, targets, clock } = this.deps;
    const agents = await targets.agentsFor(config.workspaceId, backend.type === 'openai' ? backend.baseUrl : backend.url);
    const secret = config.secret && secretBox.open<string>(config.secret);
    if (backend.type === 'webhook') {
      if (!secret) throw new Error('the webhook bot has no signing secret');
      return new WebhookBotBackend({ url: backend.url, secret }, { http, agents, timeoutMs, now: () => clock.now().getTime() });
    }
    return new OpenAiChatBackend({ ...backend, ...(secret && { apiKey: secret }) }, { http, agents, timeoutMs });
  }

  /** Switched on: `conversation.updated` (changed: aiAgent). */
  private async announce(conversation: ConversationDoc): Promise<void> {
    await this.deps.outbox.emit({
      type: 'conversation.updated',
      workspaceId: conversation.workspaceId,
      key: `${String(conversation._id)}-aiAgent-${conversation.aiAgent!.period}`,
      conversationId: conversation._id,
      data: { conversation: conversationToApi(conversation), changed: ['aiAgent'] },
    });
  }
}

/** The send policy's answer (a closed window, a missing template): a 422, final for this message. */
const isPolicyRefusal = (err: unknown): err is AppError => err instanceof AppError && err.status === 422;

function switchedOff(handoff: Handoff): ConversationAiAgent {
  return { replies: false, changedAt: handoff.at, period: handoff.period, handoff: { at: handoff.at, reason: handoff.reason, actor: handoff.actor, ...(handoff.note && { note: handoff.note }) } };
}

function roleOf(m: MessageDoc): HistoryRole {
  if (m.author === 'contact') return 'customer';
  if (m.aiAgent) return 'ai_agent';
  return m.author === 'agent' ? 'agent' : 'business';
}

function textOf(content: MessageContent): string {
  return messageText(content) ?? `[${content.type}]`;
}

function loopLineOf(line: { role: HistoryRole; text: string }): HistoryLine {
  return { from: line.role === 'customer' ? 'customer' : line.role === 'ai_agent' ? 'ai_agent' : 'other', text: line.text };
}
