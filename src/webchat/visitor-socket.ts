import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ownClientMessageId } from '../domain/visitor-message.js';
import { badRequest } from '../errors.js';
import { isEventId, type FeedItem } from '../live-feed/entry.js';
import { FeedConnection, type ConnectionDeps, type SocketEndpoint } from '../realtime/feed-connection.js';
import type { conversationToApi, messageToApi } from '../representation/public-records.js';
import { visitorMediaPath } from './visitor-conversations.js';
import type { VisitorLimits } from './visitor-limits.js';
import type { Visitor, VisitorSessions } from './visitor-sessions.js';
import { isVisitorsMessage, visitorMessage } from './visitor-view.js';

const VISITOR_SOCKET_PATH = '/webchat/v1/socket';
/** The subprotocol a widget offers, with `visitor.<token>` beside it (a browser cannot set headers on a WebSocket). */
const VISITOR_PROTOCOL = 'omnigate.webchat.v1';
const TOKEN_PROTOCOL = 'visitor.';
/** A visitor's typing notices are passed on at most this often (the widget sends one per 2.5 s). */
const TYPING_EVERY_MS = 2000;

const visitorFrame = z.discriminatedUnion('type', [z.strictObject({ type: z.literal('typing') }), z.strictObject({ type: z.literal('ping') })]);
type VisitorFrame = z.infer<typeof visitorFrame>;

type ApiMessage = ReturnType<typeof messageToApi>;
type ApiConversation = Pick<ReturnType<typeof conversationToApi>, 'id' | 'channelId' | 'contactId' | 'status' | 'lastReadAt'>;

/**
 * A visitor's WebSocket on its workspace's live feed, seeing only its own conversations: the
 * business's replies (and its own messages from its other tabs), their statuses, the
 * conversation's status, when an agent read it, and the agents' typing. It tells the agents
 * when the visitor types.
 */
class VisitorConnection extends FeedConnection<VisitorFrame> {
  /** The visitor's contact, once it has written (learned from its first message's event otherwise). */
  private contactId: string | null;
  /** The visitor's conversations seen so far: typing notices name only the conversation. */
  private readonly conversations = new Set<string>();
  private lastTyping = 0;

  constructor(
    socket: WebSocket,
    private readonly visitor: Visitor,
    known: { contactId: string | null; conversationId: string | null },
    deps: ConnectionDeps,
  ) {
    super(socket, visitor.channel.workspaceId, deps, visitorFrame);
    this.contactId = known.contactId;
    if (known.conversationId) this.conversations.add(known.conversationId);
  }

  start(lastEventId: string | undefined): Promise<void> {
    return this.follow(lastEventId);
  }

  protected frameOf({ id, entry }: FeedItem): object | null {
    const data = entry.data as { message?: ApiMessage; conversation?: ApiConversation; changed?: string[]; agentId?: unknown };
    if (data.message && this.isMine(data.message)) {
      this.conversations.add(data.message.conversationId);
      const message = visitorMessage(data.message, this.visitor.claims.visitorId, (storedId) => visitorMediaPath(this.visitor.channel, storedId));
      return entry.type === 'message.status_updated' ? { id, type: 'status', messageId: message.id, status: message.status } : { id, type: 'message', message };
    }
    const conversation = data.conversation && this.isMyConversation(data.conversation) ? data.conversation : null;
    if (conversation && entry.type === 'conversation.status_changed') {
      return { id, type: 'conversation', conversationId: conversation.id, status: conversation.status };
    }
    // An agent marked the conversation read: the visitor's messages up to then were seen.
    if (conversation && entry.type === 'conversation.updated' && data.changed?.includes('lastReadAt') && conversation.lastReadAt) {
      return { id, type: 'seen', conversationId: conversation.id, seenAt: conversation.lastReadAt };
    }
    // Agents' typing only (it names the agent); a visitor's own goes to the agents.
    if (entry.type === 'typing' && data.agentId !== undefined && entry.conversationId && this.conversations.has(entry.conversationId)) {
      return { type: 'typing', conversationId: entry.conversationId };
    }
    return null;
  }

  private isMyConversation(conversation: ApiConversation): boolean {
    if (conversation.contactId !== this.contactId || conversation.channelId !== this.visitor.channel.id) return false;
    this.conversations.add(conversation.id);
    return true;
  }

  /** Its own channel and contact; before it has a contact, its first message names it (the provider id is the visitor's). */
  private isMine(message: ApiMessage): boolean {
    const { channel, claims } = this.visitor;
    if (!this.contactId && message.channelId === channel.id && ownClientMessageId(message.providerMessageId, claims.visitorId) !== null) this.contactId = message.contactId;
    return this.contactId !== null && isVisitorsMessage(message, channel.id, this.contactId);
  }

  protected async handle(frame: VisitorFrame): Promise<void> {
    if (frame.type === 'ping') return this.send({ type: 'pong' });
    const conversationId = [...this.conversations].at(-1);
    const { clock, liveFeed, store } = this.deps.ctx;
    const now = clock.now();
    if (!conversationId || Math.abs(now.getTime() - this.lastTyping) < TYPING_EVERY_MS) return;
    this.lastTyping = now.getTime();
    // Agents watching the conversation's queue see it too.
    const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId: this.workspaceId }, { queueId: 1 }).lean();
    await liveFeed.publishTyping(this.workspaceId, {
      type: 'typing',
      occurredAt: now.toISOString(),
      conversationId,
      ...(conversation?.queueId && { queueId: String(conversation.queueId) }),
      data: { conversationId, contactId: this.contactId },
      origin: this.id,
    });
  }
}

/**
 * `/webchat/v1/socket?channelId=…[&lastEventId=…]`, with the subprotocols `omnigate.webchat.v1`
 * and `visitor.<token>`: the channel's allowed origins only, the token's visitor only.
 */
export function visitorSocketEndpoint(sessions: VisitorSessions, limits: VisitorLimits): SocketEndpoint {
  return {
    path: VISITOR_SOCKET_PATH,
    protocol: VISITOR_PROTOCOL,
    async accept(req: IncomingMessage, url: URL) {
      const channelId = url.searchParams.get('channelId') ?? '';
      sessions.checkOrigin(await sessions.channel(channelId), req.headers.origin);
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
      const token = offered.find((p) => p.startsWith(TOKEN_PROTOCOL))?.slice(TOKEN_PROTOCOL.length);
      const visitor = await sessions.authenticate(channelId, token);
      // A widget reconnecting in a loop is held back like any other request of its visitor.
      await limits.byVisitor(visitor.channel.id, visitor.claims.visitorId);
      const lastEventId = url.searchParams.get('lastEventId') ?? undefined;
      if (lastEventId !== undefined && !isEventId(lastEventId)) throw badRequest('invalid_last_event_id', 'lastEventId must be an event id like 1700000000000-0');
      const contactId = await sessions.contactOf(visitor.channel, visitor.claims.visitorId);
      const conversation = contactId ? await sessions.recentConversation(visitor.channel, visitor.claims.visitorId) : null;
      return (socket, deps) => {
        const connection = new VisitorConnection(socket, visitor, { contactId, conversationId: conversation ? String(conversation._id) : null }, deps);
        return { connection, started: connection.start(lastEventId) };
      };
    },
  };
}
