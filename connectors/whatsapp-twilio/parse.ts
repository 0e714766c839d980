import type { z } from 'zod';
import { InvalidPayloadError, type WebhookRequest } from '../contract.js';
import type { ContactIdentity, InboundEvent } from '../../src/domain/inbound-event.js';
import { MEDIA_KINDS, type MediaKind, type MediaRef, type MessageContent, type ProviderErrorInfo } from '../../src/domain/message.js';
import { isPhoneNumber } from './addresses.js';
import { headerValue, isFormEncoded, readForm, type FormFields } from './form.js';
import { withoutUndefined } from '../support/objects.js';
import { outcomeOf } from './errors.js';
import {
  inboundMessageSchema,
  mediaItemSchema,
  statusCallbackSchema,
  type InboundMessage,
  type MediaItem,
  type StatusCallback,
} from './payload.js';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
type StatusEvent = Extract<InboundEvent, { kind: 'status' }>;

/**
 * Twilio's statuses in ours. queued, accepting, accepted, scheduled and sending say nothing a
 * recipient saw, and values Twilio may add later are ignored the same way. The core only ever
 * moves a message's status forward, so reports arriving late or out of order are harmless here.
 */
const STATUS_OF: ReadonlyMap<string, StatusEvent['status']> = new Map([
  ['sent', 'sent'],
  ['delivered', 'delivered'],
  ['read', 'read'],
  ['undelivered', 'failed'],
  ['failed', 'failed'],
  ['canceled', 'failed'],
]);

/**
 * Click-to-WhatsApp ad fields under the names Meta's Cloud API uses, so a referral reads the
 * same whichever WhatsApp connector received it.
 */
const REFERRAL_FIELDS: ReadonlyArray<[string, string]> = [
  ['ReferralSourceId', 'source_id'],
  ['ReferralSourceType', 'source_type'],
  ['ReferralSourceUrl', 'source_url'],
  ['ReferralHeadline', 'headline'],
  ['ReferralBody', 'body'],
  ['ReferralCtwaClid', 'ctwa_clid'],
  ['ReferralMediaId', 'media_id'],
  ['ReferralMediaUrl', 'media_url'],
  ['ReferralMediaContentType', 'media_content_type'],
];

/**
 * One Twilio request to normalized events: a status callback gives at most one status, an
 * inbound message one message event, whatever media it carries. Twilio's webhooks carry no time,
 * so events are stamped with the time the request was received.
 */
export function parseWebhook(req: Pick<WebhookRequest, 'rawBody' | 'headers'> & { receivedAt: Date }): InboundEvent[] {
  if (!isFormEncoded(req.headers)) {
    throw new InvalidPayloadError(`Twilio posts application/x-www-form-urlencoded, not ${headerValue(req.headers, 'content-type')}`);
  }
  const fields = readForm(req.rawBody);
  if (isStatusCallback(fields)) {
    const event = statusEvent(checked(statusCallbackSchema, fields, 'status callback'), req.receivedAt);
    return event ? [event] : [];
  }
  return [messageEvent(checked(inboundMessageSchema, fields, 'message'), fields, req.receivedAt)];
}

/** Status callbacks carry MessageStatus (and SmsStatus); only an inbound message has Body and NumMedia. */
function isStatusCallback(fields: FormFields): boolean {
  return fields.MessageStatus !== undefined && fields.Body === undefined && fields.NumMedia === undefined;
}

function checked<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
  throw new InvalidPayloadError(`Not a readable Twilio ${what}: ${issues[0]?.path || '(root)'}: ${issues[0]?.message}`, { issues });
}

function statusEvent(s: StatusCallback, now: Date): StatusEvent | undefined {
  const status = STATUS_OF.get(s.MessageStatus);
  if (!status) return undefined;
  return withoutUndefined({
    kind: 'status' as const,
    accountId: s.From,
    providerMessageId: s.MessageSid,
    status,
    timestamp: now,
    recipientId: s.To,
    error: status === 'failed' ? failureOf(s) : undefined,
  });
}

function failureOf(s: StatusCallback): ProviderErrorInfo {
  if (s.MessageStatus === 'canceled') return { code: 'canceled', title: s.ErrorMessage ?? 'The message was canceled before it was sent', outcome: 'final' };
  const code = s.ErrorCode ?? s.MessageStatus;
  // 63016 usually arrives here, after Twilio accepted the message: the window had closed.
  return { code, title: s.ErrorMessage ?? `Twilio reported the message ${s.MessageStatus}`, outcome: outcomeOf(code) };
}

function messageEvent(m: InboundMessage, fields: FormFields, now: Date): MessageEvent {
  return withoutUndefined({
    kind: 'message' as const,
    accountId: m.To,
    providerMessageId: m.MessageSid,
    from: identityOf(m),
    timestamp: now,
    content: contentOf(m, mediaOf(m, fields)),
    replyToProviderMessageId: m.OriginalRepliedMessageSid,
    referral: referralOf(fields),
  });
}

/**
 * The sender. `From` is the key: a phone number, or a business-scoped id for users who hide
 * their number, in which case WaId (digits) may still tell the phone.
 */
function identityOf(m: InboundMessage): ContactIdentity {
  const waIdPhone = m.WaId && /^\d+$/.test(m.WaId) ? `+${m.WaId}` : undefined;
  return withoutUndefined({
    externalId: m.From,
    phone: isPhoneNumber(m.From) ? m.From : waIdPhone,
    displayName: m.ProfileName,
  });
}

function mediaOf(m: InboundMessage, fields: FormFields): MediaItem[] {
  return Array.from({ length: m.NumMedia }, (_, n) => {
    const item = mediaItemSchema.safeParse({ url: fields[`MediaUrl${n}`], mimeType: fields[`MediaContentType${n}`] });
    if (!item.success) throw new InvalidPayloadError(`Message ${m.MessageSid} announces ${m.NumMedia} media but MediaUrl${n} is not a URL`);
    return item.data;
  });
}

/**
 * What the message says: a location, a button tap, media (captioned by Body) or text, in that
 * order. Several media (MMS; up to 10) stay one message: its attachments in MediaUrl{N} order.
 */
function contentOf(m: InboundMessage, media: MediaItem[]): MessageContent {
  if (m.MessageType === 'location' || m.Latitude !== undefined || m.Longitude !== undefined) {
    if (m.Latitude === undefined || m.Longitude === undefined) throw new InvalidPayloadError(`Location message ${m.MessageSid} lacks Latitude or Longitude`);
    return withoutUndefined({ type: 'location' as const, latitude: m.Latitude, longitude: m.Longitude, name: m.Label, address: m.Address });
  }
  if (m.ButtonPayload !== undefined || m.ButtonText !== undefined) {
    // A quick-reply tap: Body repeats the button's text; the payload is what the template defined.
    const text = m.ButtonText ?? m.Body;
    return { type: 'button_reply', payload: m.ButtonPayload ?? text, text };
  }
  const caption = m.Body || undefined;
  if (media.length > 1) return withoutUndefined({ type: 'attachments' as const, attachments: media.map((item) => ({ kind: kindOf(item), ...pendingRef(item) })), caption });
  const [item] = media;
  if (item) return withoutUndefined({ type: isMediaKind(m.MessageType) ? m.MessageType : kindOf(item), media: pendingRef(item), caption });
  if (caption) return { type: 'text', text: caption };
  // A type arriving without text or media: kept, so the conversation shows something came in.
  return { type: 'unsupported', reason: `message type ${m.MessageType ?? 'unknown'} carries no text or media` };
}

function pendingRef(item: MediaItem): MediaRef {
  return withoutUndefined({ url: item.url, mimeType: item.mimeType, state: 'pending' as const });
}

/** By MIME type. A shared contact arrives as a text/vcard file and is kept as a document. */
function kindOf(item: MediaItem): MediaKind {
  const top = item.mimeType?.split('/')[0]?.toLowerCase();
  return top === 'image' || top === 'video' || top === 'audio' ? top : 'document';
}

function isMediaKind(type: string | undefined): type is MediaKind {
  return type !== undefined && (MEDIA_KINDS as readonly string[]).includes(type);
}

function referralOf(fields: FormFields): Record<string, string> | undefined {
  const entries = REFERRAL_FIELDS.flatMap(([field, key]) => (fields[field] ? [[key, fields[field]] as const] : []));
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}
