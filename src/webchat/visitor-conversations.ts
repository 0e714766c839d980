import { UPLOAD_TYPES, MEDIA_MAX_BYTES } from '../../connectors/webchat/capabilities.js';
import { visitorEventBytes, type VisitorEvent } from '../../connectors/webchat/visitor-event.js';
import { isMediaTicket, mediaTicket } from '../../connectors/webchat/visitor-token.js';
import type { Clock } from '../clock.js';
import { AppError, badRequest, notFound } from '../errors.js';
import type { WebhookReceiver } from '../ingest/webhook-receiver.js';
import { realtimeKeys } from '../live-feed/entry.js';
import type { ReplayReader } from '../live-feed/replay.js';
import { messageToApi } from '../representation/public-records.js';
import type { Store } from '../store/index.js';
import type { Visitor, VisitorSessions, WebchatChannelView } from './visitor-sessions.js';
import type { VisitorMessage } from '../domain/visitor-message.js';
import { visitorMessage } from './visitor-view.js';

/** The newest messages of a conversation the widget shows. */
const HISTORY_LIMIT = 200;

/** A visitor's message: text, a file it uploaded (with the ticket the upload gave), or both. */
export interface VisitorSend {
  clientMessageId: string;
  text?: string;
  upload?: { mediaId: string; ticket: string };
}

/** The path of a stored file as the visitor reads it, signed for it. */
export function visitorMediaPath(channel: Pick<WebchatChannelView, 'id' | 'secrets'>, storedId: string): string {
  return `/webchat/v1/channels/${channel.id}/media/${storedId}?ticket=${mediaTicket(channel.secrets.visitorTokenSecret, storedId)}`;
}

/**
 * A visitor's side of its conversation: what it reads (the recent conversation, its files) and
 * what it sends. Everything it sends is recorded as the web chat connector's event and taken
 * by the same receiver as provider webhooks (recorded before it is acknowledged, processed by
 * the inbound job), so a message is durable and a retried one never doubles.
 */
export class VisitorConversations {
  constructor(
    private readonly deps: {
      store: Store;
      sessions: VisitorSessions;
      receiver: WebhookReceiver;
      replay: ReplayReader;
      keyPrefix: string;
      clock: Clock;
    },
  ) {}

  /**
   * The visitor's conversation if its last message is under 24 hours old (with when an agent
   * last read it), its messages, and the feed position to follow it from (read first, so nothing
   * published meanwhile is missed).
   */
  async history({ channel, claims }: Visitor): Promise<{ conversation: { id: string; status: string; seenAt: string | null } | null; messages: VisitorMessage[]; lastEventId: string }> {
    const lastEventId = await this.deps.replay.tail(realtimeKeys(this.deps.keyPrefix, channel.workspaceId).stream);
    const conversation = await this.deps.sessions.recentConversation(channel, claims.visitorId);
    if (!conversation) return { conversation: null, messages: [], lastEventId };
    const newest = await this.deps.store.messages
      .find({ conversationId: conversation._id, internal: { $ne: true } })
      .sort({ _id: -1 })
      .limit(HISTORY_LIMIT)
      .lean();
    const messages = newest.reverse().map((m) => visitorMessage(messageToApi(m), claims.visitorId, (id) => visitorMediaPath(channel, id)));
    const seenAt = conversation.lastReadAt?.toISOString() ?? null;
    return { conversation: { id: String(conversation._id), status: conversation.status, seenAt }, messages, lastEventId };
  }

  /** Records the visitor's message; `clientMessageId` makes a retry the same message. */
  async send(visitor: Visitor, token: string, input: VisitorSend): Promise<void> {
    const { channel, claims } = visitor;
    if (!input.text?.trim() && !input.upload) throw badRequest('validation_failed', 'A message needs text or a file');
    const media = input.upload && (await this.uploaded(channel, input.upload));
    await this.record(channel, token, {
      kind: 'message',
      account: channel.settings.widgetId,
      visitorId: claims.visitorId,
      clientMessageId: input.clientMessageId,
      ...(claims.name && { name: claims.name }),
      ...(input.text?.trim() && { text: input.text }),
      ...(media && { media }),
    });
  }

  /** The visitor's browser showed (delivered) or the visitor saw (read) the business's messages sent up to `watermark`. */
  async receipt(visitor: Visitor, token: string, input: { status: 'delivered' | 'read'; watermark: Date }): Promise<void> {
    const { channel, claims } = visitor;
    // A receipt from the future would mark what is not sent yet.
    const watermark = new Date(Math.min(input.watermark.getTime(), this.deps.clock.now().getTime()));
    await this.record(channel, token, { kind: 'receipt', account: channel.settings.widgetId, visitorId: claims.visitorId, status: input.status, watermark: watermark.toISOString() });
  }

  /** Stores a file the visitor will send; the ticket proves later that this visitor's widget uploaded it. */
  async upload({ channel }: Visitor, file: { data: Buffer; mimeType: string; filename?: string }): Promise<{ mediaId: string; ticket: string; kind: 'image' | 'document' }> {
    const mimeType = file.mimeType.split(';')[0]!.trim().toLowerCase();
    const kind = UPLOAD_TYPES[mimeType];
    if (!kind) throw new AppError(415, 'unsupported_media_type', `Files of type ${mimeType} cannot be sent here`, { allowed: Object.keys(UPLOAD_TYPES) });
    if (file.data.length === 0) throw badRequest('invalid_media', 'The file is empty');
    if (file.data.length > MEDIA_MAX_BYTES[kind]) throw new AppError(413, 'payload_too_large', `Files are limited to ${MEDIA_MAX_BYTES[kind]} bytes`);
    const mediaId = await this.deps.store.media.put(file.data, { workspaceId: channel.workspaceId, mimeType, filename: file.filename });
    return { mediaId, ticket: mediaTicket(channel.secrets.visitorTokenSecret, mediaId), kind };
  }

  /** A file of the visitor's conversation, by the signed link the visitor was given. */
  async media(channel: WebchatChannelView, mediaId: string, ticket: string) {
    if (!isMediaTicket(channel.secrets.visitorTokenSecret, mediaId, ticket)) throw notFound('Media');
    const stored = await this.deps.store.media.get(mediaId, channel.workspaceId);
    if (!stored) throw notFound('Media');
    return stored;
  }

  private async uploaded(channel: WebchatChannelView, upload: { mediaId: string; ticket: string }) {
    if (!isMediaTicket(channel.secrets.visitorTokenSecret, upload.mediaId, upload.ticket)) throw badRequest('invalid_media', 'The file was not uploaded by this widget');
    const info = await this.deps.store.media.info(upload.mediaId, channel.workspaceId);
    const kind = info && UPLOAD_TYPES[info.mimeType];
    if (!info || !kind) throw badRequest('invalid_media', 'The uploaded file is gone');
    return { kind, storedId: info.id, mimeType: info.mimeType, size: info.size, ...(info.filename && info.filename !== 'media' && { filename: info.filename }) };
  }

  /** The provider-webhook step, with the visitor's token as the signature: recorded, then acknowledged. */
  private async record(channel: WebchatChannelView, token: string, event: VisitorEvent): Promise<void> {
    await this.deps.receiver.receiveFromOwnApi('webchat', channel.id, {
      url: `/webchat/v1/channels/${channel.id}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      query: {},
      rawBody: visitorEventBytes(event),
    });
  }
}
