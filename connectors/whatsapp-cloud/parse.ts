import type { z } from 'zod';
import { InvalidPayloadError, type WebhookRequest } from '../contract.js';
import type { ContactIdentity, InboundEvent } from '../../src/domain/inbound-event.js';
import { MEDIA_KINDS, type MediaKind, type MessageContent, type ProviderErrorInfo, type SharedContactCard } from '../../src/domain/message.js';
import {
  messagesValueSchema,
  templateStatusValueSchema,
  webhookSchema,
  type ContactProfile,
  type GraphErrorPayload,
  type InboundMessagePayload,
  type MessagesValue,
  type StatusPayload,
  type TemplateStatusValue,
} from './payload.js';
import { withoutUndefined } from '../support/objects.js';
import { outcomeOf } from './errors.js';
import { templateStatusOf } from './template-status.js';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
type StatusEvent = Extract<InboundEvent, { kind: 'status' }>;

const DELIVERY_STATUSES: ReadonlySet<string> = new Set<StatusEvent['status']>(['sent', 'delivered', 'read', 'failed']);

/** System messages saying the customer's number changed (customer_changed_number before Graph v12). */
const NUMBER_CHANGES: ReadonlySet<string> = new Set(['user_changed_number', 'customer_changed_number']);

/** Raw webhook bytes to normalized events, in payload order. One POST may carry many. */
export function parseWebhook(req: Pick<WebhookRequest, 'rawBody'>): InboundEvent[] {
  const envelope = checked(webhookSchema, readJson(req.rawBody), []);
  const events: InboundEvent[] = [];
  envelope.entry.forEach((entry, e) => {
    entry.changes.forEach((change, c) => {
      const path = ['entry', e, 'changes', c, 'value'];
      if (change.field === 'messages') {
        events.push(...messagesEvents(checked(messagesValueSchema, change.value, path)));
      } else if (change.field === 'message_template_status_update' && hasEvent(change.value)) {
        const event = templateStatusEvent(entry.id, checked(templateStatusValueSchema, change.value, path));
        if (event) events.push(event);
      }
      // Other fields (account_update, phone_number_quality_update, ...) carry nothing we act on.
    });
  });
  return events;
}

function readJson(rawBody: Buffer): unknown {
  try {
    return JSON.parse(keepTemplateIdsExact(rawBody.toString('utf8')));
  } catch {
    throw new InvalidPayloadError('The body is not valid JSON');
  }
}

/**
 * Meta sends message_template_id as a JSON number; ids past 2^53 would lose digits in
 * JSON.parse, so they are quoted first. A quote inside a JSON string is escaped, so this
 * pattern can only match the key itself.
 */
function keepTemplateIdsExact(json: string): string {
  return json.replace(/"message_template_id"(\s*):(\s*)(\d+)/g, '"message_template_id"$1:$2"$3"');
}

function checked<S extends z.ZodType>(schema: S, value: unknown, path: (string | number)[]): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: [...path, ...i.path].join('.'), message: i.message }));
  throw new InvalidPayloadError(`Not a readable WhatsApp webhook: ${issues[0]?.path || '(root)'}: ${issues[0]?.message}`, { issues });
}

/** Some template webhooks (quality updates) arrive under this field without a status event. */
function hasEvent(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'event' in value;
}

function messagesEvents(value: MessagesValue): InboundEvent[] {
  const accountId = value.metadata.phone_number_id;
  const contacts = value.contacts ?? [];
  const events: InboundEvent[] = (value.messages ?? []).map((m) => messageEvent(accountId, m, contacts));
  for (const s of value.statuses ?? []) {
    const event = statusEvent(accountId, s);
    if (event) events.push(event);
  }
  if (value.errors?.length) events.push({ kind: 'provider_error', accountId, errors: value.errors.map(errorInfo) });
  return events;
}

function messageEvent(accountId: string, m: InboundMessagePayload, contacts: ContactProfile[]): MessageEvent {
  return withoutUndefined({
    kind: 'message' as const,
    accountId,
    providerMessageId: m.id,
    from: identityOf(m, contacts),
    timestamp: m.timestamp,
    content: contentOf(m),
    replyToProviderMessageId: m.context?.id,
    referral: m.referral,
    newIdentity: newIdentityOf(m),
  });
}

/**
 * The sender's identity. The key stays `from` (the wa_id) so existing contacts keep matching;
 * users who adopted a username may come with only a business-scoped id, which then is the key.
 */
function identityOf(m: InboundMessagePayload, contacts: ContactProfile[]): ContactIdentity {
  const contact =
    contacts.find((c) => (m.from !== undefined && c.wa_id === m.from) || (m.from_user_id !== undefined && c.user_id === m.from_user_id)) ??
    (m.from === undefined && m.from_user_id === undefined && contacts.length === 1 ? contacts[0] : undefined);
  const externalId = m.from ?? m.from_user_id ?? contact?.wa_id ?? contact?.user_id;
  if (!externalId) throw new InvalidPayloadError(`Message ${m.id} names no sender`);
  return withoutUndefined({
    externalId,
    phone: phoneOf(contact?.wa_id ?? m.from),
    displayName: contact?.profile?.name,
    username: contact?.profile?.username ?? contact?.username,
    // A number change speaks of the sender as they were: its previous_user_id is theirs.
    userId: m.system?.previous_user_id ?? m.from_user_id ?? contact?.user_id,
  });
}

/** The identity a number change moves the sender to: the new wa_id, with the business-scoped id it came with. */
function newIdentityOf(m: InboundMessagePayload): ContactIdentity | undefined {
  const system = m.system;
  const newWaId = system?.new_wa_id ?? system?.wa_id;
  if (m.type !== 'system' || !system?.type || !NUMBER_CHANGES.has(system.type) || !newWaId) return undefined;
  return withoutUndefined({ externalId: newWaId, phone: phoneOf(newWaId), userId: system.user_id });
}

/** A wa_id is the phone number in digits; other ids are not phones. */
function phoneOf(waId: string | undefined): string | undefined {
  return waId && /^\d+$/.test(waId) ? waId : undefined;
}

function contentOf(m: InboundMessagePayload): MessageContent {
  if (isMediaKind(m.type)) {
    const media = part(m, m[m.type]);
    return withoutUndefined({
      type: m.type,
      media: withoutUndefined({ providerMediaId: media.id, mimeType: media.mime_type, sha256: media.sha256, state: 'pending' as const }),
      caption: media.caption,
      filename: media.filename,
      voice: m.type === 'audio' && media.voice === true ? (true as const) : undefined,
    });
  }
  switch (m.type) {
    case 'text':
      return { type: 'text', text: part(m, m.text).body };
    case 'location': {
      const { latitude, longitude, name, address, url } = part(m, m.location);
      return withoutUndefined({ type: 'location' as const, latitude, longitude, name, address, url });
    }
    case 'contacts':
      // Cards are kept as Meta sends them; a card shared from a contact request may have no name.
      return { type: 'contacts', contacts: part(m, m.contacts).map((card) => ({ name: {}, ...card }) as SharedContactCard) };
    case 'interactive':
      return interactiveReplyOf(m, part(m, m.interactive));
    case 'button': {
      const { payload, text } = part(m, m.button);
      return { type: 'button_reply', payload, text };
    }
    case 'reaction': {
      const { message_id, emoji } = part(m, m.reaction);
      // An absent or empty emoji is how Meta says the reaction was removed.
      return emoji ? { type: 'reaction', targetProviderMessageId: message_id, emoji } : { type: 'reaction', targetProviderMessageId: message_id };
    }
    case 'system': {
      const system = part(m, m.system);
      return withoutUndefined({
        type: 'system' as const,
        systemType: system.type ?? 'unknown',
        body: system.body ?? '',
        newExternalId: system.new_wa_id ?? system.wa_id,
      });
    }
    default:
      return { type: 'unsupported', reason: unsupportedReason(m) };
  }
}

function interactiveReplyOf(m: InboundMessagePayload, interactive: NonNullable<InboundMessagePayload['interactive']>): MessageContent {
  if (interactive.type === 'button_reply') {
    const { id, title } = part(m, interactive.button_reply);
    return { type: 'interactive_reply', reply: { kind: 'button', id, title } };
  }
  if (interactive.type === 'list_reply') {
    const { id, title, description } = part(m, interactive.list_reply);
    return { type: 'interactive_reply', reply: withoutUndefined({ kind: 'list' as const, id, title, description }) };
  }
  // e.g. nfm_reply (a Flow's answer): nothing in our model carries it yet.
  return { type: 'unsupported', reason: `interactive ${interactive.type} is not supported` };
}

function unsupportedReason(m: InboundMessagePayload): string {
  const error = m.errors?.[0];
  const what = m.unsupported?.type ? ` (${m.unsupported.type})` : '';
  if (error) {
    const info = errorInfo(error);
    return `${info.code}: ${info.title}${what}`;
  }
  return `message type ${m.type}${what} is not supported`;
}

function statusEvent(accountId: string, s: StatusPayload): StatusEvent | undefined {
  // Other values (deleted, warning, ...) say nothing about delivery.
  if (!DELIVERY_STATUSES.has(s.status)) return undefined;
  const error = s.errors?.[0];
  return withoutUndefined({
    kind: 'status' as const,
    accountId,
    providerMessageId: s.id,
    status: s.status as StatusEvent['status'],
    timestamp: s.timestamp,
    recipientId: s.recipient_id ?? s.recipient_user_id,
    pricing: s.pricing,
    error: error && errorInfo(error),
  });
}

function templateStatusEvent(wabaId: string, v: TemplateStatusValue): InboundEvent | undefined {
  const status = templateStatusOf(v.event);
  if (!status) return undefined;
  return withoutUndefined({
    kind: 'template_status' as const,
    accountId: wabaId,
    name: v.message_template_name,
    // Template listings write en_US; some status webhooks write en-US.
    language: v.message_template_language.replace('-', '_'),
    status,
    providerTemplateId: v.message_template_id === undefined ? undefined : String(v.message_template_id),
    // Meta says NONE (or null) when there is no reason.
    reason: v.reason && v.reason !== 'NONE' ? v.reason : undefined,
  });
}

function errorInfo(e: GraphErrorPayload): ProviderErrorInfo {
  const code = String(e.code);
  return withoutUndefined({ code, title: e.title ?? e.message ?? '', detail: e.error_data?.details, outcome: outcomeOf(code) });
}

function isMediaKind(type: string): type is MediaKind {
  return (MEDIA_KINDS as readonly string[]).includes(type);
}

/** The object a message's type names; a message without it cannot be read. */
function part<T>(m: InboundMessagePayload, value: T | undefined): T {
  if (value === undefined) throw new InvalidPayloadError(`Message ${m.id} of type ${m.type} lacks its content`);
  return value;
}
