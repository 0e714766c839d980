import type { WebSocket } from 'ws';
import type { AuthContext } from '../security/api-key.js';
import { toFrame, type FeedItem } from '../live-feed/entry.js';
import { FeedConnection, type ConnectionDeps } from './feed-connection.js';
import { clientMessage, MAX_SUBSCRIPTIONS, Subscriptions, type ClientMessage, type SubscriptionTarget } from './subscriptions.js';

/** An API client's WebSocket: the workspace's events it subscribed to, and its agent's typing. */
export class RealtimeConnection extends FeedConnection<ClientMessage> {
  private readonly subscriptions = new Subscriptions();
  private agentId: string | null | undefined;

  constructor(
    socket: WebSocket,
    private readonly auth: AuthContext,
    deps: ConnectionDeps,
  ) {
    super(socket, String(auth.workspaceId), deps, clientMessage);
  }

  /** Subscribes to what the URL asked for, then follows the feed from `lastEventId`. */
  async start(opts: { lastEventId?: string; targets: SubscriptionTarget[] }): Promise<void> {
    for (const target of opts.targets) await this.subscribe(target);
    await this.follow(opts.lastEventId);
  }

  protected frameOf(item: FeedItem): object | null {
    return this.subscriptions.matches(item.entry) ? toFrame(item) : null;
  }

  protected async handle(message: ClientMessage): Promise<void> {
    switch (message.type) {
      case 'subscribe':
        return this.subscribe(message);
      case 'unsubscribe': {
        const { type: _type, ...target } = message;
        this.subscriptions.remove(target);
        return this.send({ type: 'unsubscribed', ...target });
      }
      case 'typing':
        return this.typing(message.conversationId);
      case 'ping':
        return this.send({ type: 'pong' });
    }
  }

  /** Only ids of this workspace: another workspace's conversation is not found, as in the REST API. */
  private async subscribe(message: SubscriptionTarget & { type?: string }): Promise<void> {
    const { type: _type, ...target } = message;
    const { store } = this.deps.ctx;
    const { workspaceId } = this.auth;
    if (target.conversationId && !(await store.conversations.exists({ _id: target.conversationId, workspaceId }))) {
      return this.error('not_found', 'Conversation not found', { conversationId: target.conversationId });
    }
    if (target.queueId && !(await store.routingQueues.exists({ _id: target.queueId, workspaceId }))) {
      return this.error('not_found', 'Queue not found', { queueId: target.queueId });
    }
    if (this.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      return this.error('too_many_subscriptions', `A connection holds at most ${MAX_SUBSCRIPTIONS} subscriptions`);
    }
    this.subscriptions.add(target);
    this.send({ type: 'subscribed', ...target });
  }

  /** The agent typing in a conversation, for the others watching it (and the web chat's visitor). */
  private async typing(conversationId: string): Promise<void> {
    const { store, clock } = this.deps.ctx;
    const { workspaceId } = this.auth;
    const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId }, { queueId: 1 }).lean();
    if (!conversation) return this.error('not_found', 'Conversation not found', { conversationId });
    if (this.agentId === undefined) {
      const agent = await store.agents.findOne({ workspaceId, apiKeyId: this.auth.keyId }, { _id: 1 }).lean();
      this.agentId = agent ? String(agent._id) : null;
    }
    await this.deps.ctx.liveFeed.publishTyping(this.workspaceId, {
      type: 'typing',
      occurredAt: clock.now().toISOString(),
      conversationId,
      ...(conversation.queueId && { queueId: String(conversation.queueId) }),
      data: { conversationId, agentId: this.agentId },
      origin: this.id,
    });
  }
}
