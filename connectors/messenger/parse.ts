import type { z } from 'zod';
import { InvalidPayloadError, type WebhookRequest } from '../contract.js';
import type { InboundEvent } from '../../src/domain/inbound-event.js';
import { isMediaContent, type MediaKind, type MessageContent } from '../../src/domain/message.js';
import { withoutUndefined } from '../support/objects.js';
import { webhookSchema, type AttachmentPayload, type MessagePayload, type MessagingEvent, type WebhookEntry } from './payload.js';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
type EchoEvent = Extract<InboundEvent, { kind: 'echo' }>;

/** Attachment types holding media we fetch from payload.url. */
const MEDIA_TYPES: ReadonlyMap<string, MediaKind> = new Map([
  ['image', 'image'],
  ['video', 'video'],
  ['audio', 'audio'],
  ['file', 'document'],
  ['sticker', 'sticker'],
]);

/**
 * Raw webhook bytes to normalized events, in payload order (per entry: `messaging`, then
 * `standby`). Event kinds we do not act on (optins, referrals alone, account linking, handover,
 * edits, ...) yield nothing, and so do events naming no PSID (chat-plugin guests): we could not
 * answer them.
 */
export function parseWebhook(req: Pick<WebhookRequest, 'rawBody'>): InboundEvent[] {
  const envelope = checked(webhookSchema, readJson(req.rawBody));
  return envelope.entry.flatMap((entry) => [
    ...(entry.messaging ?? []).flatMap((event) => eventsOf(entry, event)),
    ...(entry.standby ?? []).flatMap((event) => eventsOf(entry, event).map(inStandby)),
  ]);
}

/**
 * `standby` carries the traffic of threads another app controls (handover protocol): messages
 * and echoes are flagged as history; watermarks apply as usual (they report on what the person
 * saw of the Page, whoever sent it).
 */
function inStandby(event: InboundEvent): InboundEvent {
  return event.kind === 'message' || event.kind === 'echo' ? { ...event, standby: true } : event;
}

function readJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidPayloadError('The body is not valid JSON');
  }
}

function checked<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new InvalidPayloadError(`Not a readable Messenger webhook: ${issues[0]?.path || '(root)'}: ${issues[0]?.message}`, { issues });
}

function eventsOf(entry: WebhookEntry, e: MessagingEvent): InboundEvent[] {
  const sender = e.sender?.id;
  if (e.message) {
    if (e.message.is_deleted) return [];
    if (e.message.is_echo) return echoEvents(e.message, sender, e.recipient?.id, timeOf(entry, e));
    return sender ? messageEvents(entry.id, e.message, sender, timeOf(entry, e)) : [];
  }
  if (!sender) return [];
  if (e.postback) {
    const at = timeOf(entry, e);
    const { mid, payload, title, referral } = e.postback;
    return [
      withoutUndefined({
        kind: 'message' as const,
        accountId: entry.id,
        // Older postbacks (Get Started) carry no mid: the sender and the time name the tap.
        providerMessageId: mid ?? `postback-${sender}-${at.getTime()}`,
        from: { externalId: sender },
        timestamp: at,
        content: { type: 'button_reply' as const, payload: payload ?? '', text: title ?? '' },
        referral,
      }),
    ];
  }
  if (e.reaction) {
    const at = timeOf(entry, e);
    const { mid, action, emoji } = e.reaction;
    const content: MessageContent =
      action === 'unreact' || !emoji ? { type: 'reaction', targetProviderMessageId: mid } : { type: 'reaction', targetProviderMessageId: mid, emoji };
    return [
      {
        kind: 'message',
        accountId: entry.id,
        // Reactions have no id of their own; a redelivery yields the same one.
        providerMessageId: `reaction-${mid}-${sender}-${at.getTime()}`,
        from: { externalId: sender },
        timestamp: at,
        content,
      },
    ];
  }
  if (e.delivery) {
    const { mids, watermark } = e.delivery;
    return [
      withoutUndefined({
        kind: 'watermark' as const,
        accountId: entry.id,
        contactExternalId: sender,
        status: 'delivered' as const,
        watermark,
        providerMessageIds: mids,
      }),
    ];
  }
  if (e.read) return [{ kind: 'watermark', accountId: entry.id, contactExternalId: sender, status: 'read', watermark: e.read.watermark }];
  return [];
}

/** The event's own time, else its entry's. */
function timeOf(entry: WebhookEntry, e: MessagingEvent): Date {
  const at = e.timestamp ?? entry.time;
  if (!at) throw new InvalidPayloadError(`An event of Page ${entry.id} has no timestamp`);
  return at;
}

/** One event per part of the message; the first keeps the mid, the next ones are `${mid}-${n}`. */
const partId = (mid: string, n: number) => (n === 0 ? mid : `${mid}-${n}`);

function messageEvents(pageId: string, m: MessagePayload, sender: string, at: Date): MessageEvent[] {
  return contentsOf(m).map((content, n) =>
    withoutUndefined({
      kind: 'message' as const,
      accountId: pageId,
      providerMessageId: partId(m.mid, n),
      from: { externalId: sender },
      timestamp: at,
      content,
      replyToProviderMessageId: m.reply_to?.mid,
      referral: n === 0 ? m.referral : undefined,
    }),
  );
}

/** The Page is the sender of an echo: its id routes it, the recipient is the contact. */
function echoEvents(m: MessagePayload, pageId: string | undefined, recipient: string | undefined, at: Date): EchoEvent[] {
  if (!pageId || !recipient) return [];
  return contentsOf(m).map((content, n) =>
    withoutUndefined({
      kind: 'echo' as const,
      accountId: pageId,
      providerMessageId: partId(m.mid, n),
      to: { externalId: recipient },
      timestamp: at,
      content,
      replyToProviderMessageId: m.reply_to?.mid,
    }),
  );
}

/**
 * A message's parts. Messenger sends text and attachments in one message, our model holds one
 * content per message: the text becomes the caption of a first media attachment, or its own
 * first part otherwise.
 */
function contentsOf(m: MessagePayload): MessageContent[] {
  const text = m.text ? m.text : undefined;
  if (m.quick_reply) return [{ type: 'button_reply', payload: m.quick_reply.payload, text: text ?? '' }];
  // A fallback is the preview of a link shared in the text: beside the text it adds nothing.
  const attachments = withoutStickerTwins(m.attachments ?? []).filter((a) => text === undefined || a.type !== 'fallback');
  const parts = attachments.map(attachmentContent);
  const [first, ...rest] = parts;
  if (text === undefined) return first ? parts : [{ type: 'unsupported', reason: 'message without text or attachments' }];
  if (first && isMediaContent(first)) return [{ ...first, caption: text }, ...rest];
  return [{ type: 'text', text }, ...parts];
}

/**
 * Until Meta's transition ends (August 2026) a sticker comes twice: as a `sticker` attachment
 * and as an `image` one with the same sticker_id. The image twin is dropped.
 */
function withoutStickerTwins(attachments: AttachmentPayload[]): AttachmentPayload[] {
  const stickers = new Set(attachments.filter((a) => a.type === 'sticker').map((a) => String(a.payload?.sticker_id)));
  return attachments.filter((a) => !(a.type === 'image' && a.payload?.sticker_id !== undefined && stickers.has(String(a.payload.sticker_id))));
}

function attachmentContent(a: AttachmentPayload): MessageContent {
  const payload = a.payload ?? {};
  // An image with a sticker_id is a sticker (the Like thumb among them).
  const kind = a.type === 'image' && payload.sticker_id !== undefined ? 'sticker' : MEDIA_TYPES.get(a.type);
  if (kind) {
    if (!payload.url) return { type: 'unsupported', reason: `${a.type} attachment without a URL` };
    return withoutUndefined({
      type: kind,
      media: { url: payload.url, state: 'pending' as const },
      filename: kind === 'document' ? filenameOf(payload.url) : undefined,
    });
  }
  if (a.type === 'location' && payload.coordinates) {
    const { lat, long } = payload.coordinates;
    return withoutUndefined({ type: 'location' as const, latitude: lat, longitude: long, name: a.title || undefined, url: a.url });
  }
  return { type: 'unsupported', reason: unsupportedReason(a) };
}

function unsupportedReason(a: AttachmentPayload): string {
  const payload = a.payload ?? {};
  const what = a.type === 'template' && payload.template_type ? `template attachment (${payload.template_type})` : `${a.type} attachment`;
  const detail = [payload.title, payload.url].filter(Boolean).join(' ');
  return detail ? `${what} is not supported: ${detail}` : `${what} is not supported`;
}

/** Messenger serves files under their original name: `.../<id>_n.pdf/Invoice-May.pdf?...`. */
function filenameOf(url: string): string | undefined {
  try {
    const last = new URL(url).pathname.split('/').pop();
    return last && /\.[A-Za-z0-9]{1,8}$/.test(last) ? decodeURIComponent(last) : undefined;
  } catch {
    return undefined;
  }
}
