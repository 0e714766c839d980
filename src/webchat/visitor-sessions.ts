import { randomBytes } from 'node:crypto';
import { isVouchedUser, userVisitorId } from '../../connectors/webchat/identity.js';
import type { WebchatSecrets, WebchatSettings } from '../../connectors/webchat/settings.js';
import { issueVisitorToken, readVisitorToken, type VisitorClaims } from '../../connectors/webchat/visitor-token.js';
import type { ChannelService, ResolvedChannel } from '../channels/channel-service.js';
import type { Clock } from '../clock.js';
import { AppError, forbidden } from '../errors.js';
import type { Store } from '../store/index.js';

/** How long a widget conversation stays the visitor's: its history, and an anonymous visitor's token. */
const VISITOR_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A web chat channel as the visitor API uses it: its settings and secrets typed. */
export interface WebchatChannelView {
  resolved: ResolvedChannel;
  id: string;
  workspaceId: string;
  settings: WebchatSettings;
  secrets: WebchatSecrets;
}

/** A visitor whose token was checked: who it is and on which channel. */
export interface Visitor {
  channel: WebchatChannelView;
  claims: VisitorClaims;
}

/** What the page passes when it starts the widget: a stored token, or a logged-in user vouched for by the business. */
export interface SessionRequest {
  token?: string;
  userId?: string;
  userHash?: string;
  name?: string;
}

/** The widget's settings as a page may read them: nothing secret. */
export function publicSettings(settings: WebchatSettings) {
  const { title, greeting, colors, promptChips } = settings;
  return { title, greeting, colors, promptChips };
}

/**
 * Web chat channels and their visitors: which pages may use a channel, visitor tokens and the
 * identity of logged-in visitors. A token names one visitor of one channel and lasts 24 hours
 * from the last time it was given out (each session start and each message give a fresh one).
 */
export class VisitorSessions {
  constructor(private readonly deps: { store: Store; channels: ChannelService; clock: Clock }) {}

  /** A web chat channel, or 404 unknown_channel. */
  async channel(channelId: string): Promise<WebchatChannelView> {
    const resolved = await this.deps.channels.resolveForWebhook('webchat', channelId);
    if (resolved.doc.state === 'disabled') throw new AppError(404, 'unknown_channel', 'No such channel');
    return {
      resolved,
      id: String(resolved.doc._id),
      workspaceId: String(resolved.doc.workspaceId),
      settings: resolved.access.settings as WebchatSettings,
      secrets: resolved.access.secrets as WebchatSecrets,
    };
  }

  /** A browser page (it sent an Origin) not among the channel's allowed origins is refused. */
  checkOrigin(channel: WebchatChannelView, origin: string | undefined): void {
    if (origin !== undefined && !channel.settings.allowedOrigins.includes(origin)) {
      throw forbidden('origin_not_allowed', `Pages of ${origin} may not use this chat (the channel's allowedOrigins)`);
    }
  }

  /**
   * Starts or resumes a visitor. A logged-in user (userId with the business's HMAC) is the same
   * visitor on every device; an anonymous visitor's stored token keeps its visitor while its
   * conversation is recent; anyone else becomes a new anonymous visitor.
   */
  async start(channel: WebchatChannelView, request: SessionRequest): Promise<{ token: string; visitorId: string; expiresAt: Date }> {
    const now = this.deps.clock.now();
    let visitorId: string;
    let name = request.name;
    if (request.userId !== undefined) {
      if (!isVouchedUser(channel.secrets.identitySecret, request.userId, request.userHash ?? '')) {
        throw new AppError(401, 'invalid_identity', 'The user id is not signed with the channel\'s identity secret');
      }
      visitorId = userVisitorId(request.userId);
    } else {
      const claims = request.token ? readVisitorToken(channel.secrets.visitorTokenSecret, request.token, channel.id, now) : null;
      // A logged-in user's token without the user's signed id (the page logged out, a shared
      // computer) resumes nothing: the next person would read the user's conversation.
      const keep = claims && !claims.visitorId.startsWith('user:') && (await this.hasRecentConversation(channel, claims.visitorId, now));
      visitorId = keep ? claims.visitorId : `anon:${randomBytes(16).toString('base64url')}`;
      name ??= keep ? claims.name : undefined;
    }
    return this.issue(channel, visitorId, name);
  }

  /** A fresh token for a visitor (after each message, so an active conversation never loses its visitor). */
  issue(channel: WebchatChannelView, visitorId: string, name?: string): { token: string; visitorId: string; expiresAt: Date } {
    const expiresAt = new Date(this.deps.clock.now().getTime() + VISITOR_WINDOW_MS);
    const token = issueVisitorToken(channel.secrets.visitorTokenSecret, { channelId: channel.id, visitorId, expiresAt: expiresAt.getTime(), ...(name && { name }) });
    return { token, visitorId, expiresAt };
  }

  /** The visitor a token names, or 401 invalid_visitor_token. */
  async authenticate(channelId: string, token: string | undefined): Promise<Visitor> {
    const channel = await this.channel(channelId);
    const claims = token ? readVisitorToken(channel.secrets.visitorTokenSecret, token, channel.id, this.deps.clock.now()) : null;
    if (!claims) throw new AppError(401, 'invalid_visitor_token', 'The visitor token is missing, expired or not this channel\'s');
    return { channel, claims };
  }

  /** The contact the visitor became when it first wrote, if it has. */
  async contactOf(channel: WebchatChannelView, visitorId: string): Promise<string | null> {
    const identity = await this.deps.store.contactIdentities.findOne({ channelId: channel.id, externalId: visitorId }, { contactId: 1 }).lean();
    return identity ? String(identity.contactId) : null;
  }

  /** The visitor's latest conversation on the channel, if its last message is recent enough to show. */
  async recentConversation(channel: WebchatChannelView, visitorId: string, now = this.deps.clock.now()) {
    const contactId = await this.contactOf(channel, visitorId);
    if (!contactId) return null;
    // The workspace leads, so the contact's conversations index (workspaceId, contactId, _id) serves it.
    const latest = await this.deps.store.conversations.findOne({ workspaceId: channel.workspaceId, contactId, channelId: channel.id }).sort({ _id: -1 }).lean();
    if (!latest?.lastMessageAt || latest.lastMessageAt.getTime() < now.getTime() - VISITOR_WINDOW_MS) return null;
    return latest;
  }

  private async hasRecentConversation(channel: WebchatChannelView, visitorId: string, now: Date): Promise<boolean> {
    // A visitor who never wrote has nothing to lose: it keeps its id too.
    return (await this.contactOf(channel, visitorId)) === null || (await this.recentConversation(channel, visitorId, now)) !== null;
  }
}
