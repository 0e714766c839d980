/**
 * The one message model every channel is normalized into. Connectors translate provider
 * payloads to and from these shapes; nothing outside `connectors/` sees a provider format.
 */

export type MediaKind = 'image' | 'video' | 'audio' | 'document' | 'sticker';

/** Where a piece of media lives: at the provider (until fetched) and in our media store. */
export interface MediaRef {
  /** The provider's handle (WhatsApp media id); expires at the provider after about 7 days. */
  providerMediaId?: string;
  /** A URL the provider serves the media from (Twilio, Messenger) or an outbound link. */
  url?: string;
  mimeType?: string;
  sha256?: string;
  size?: number;
  /** Id in our media store once fetched. */
  storedId?: string;
  /** pending: not fetched yet; stored: in our store; failed/too_large: will not be fetched. */
  state?: 'pending' | 'stored' | 'failed' | 'too_large';
  error?: string;
}

/** One of several media a message carries, in the sender's order: stored media plus its kind. */
export interface MediaAttachment extends MediaRef {
  kind: MediaKind;
}

/** An email attachment: stored media plus how the mail carried it. */
export interface EmailAttachment extends MediaRef {
  filename?: string;
  /** Shown inside the HTML body (cid: reference) rather than attached. */
  contentId?: string;
}

/** Email's threading headers (RFC 5322), as received or as we sent them. */
export interface EmailThreadHeaders {
  messageId: string;
  inReplyTo?: string;
  references?: string[];
}

export interface SharedContactCard {
  name: { formatted_name?: string; first_name?: string; last_name?: string; [k: string]: unknown };
  phones?: { phone?: string; wa_id?: string; type?: string }[];
  emails?: { email?: string; type?: string }[];
  [k: string]: unknown;
}

export interface TemplateParameter {
  type: 'text' | 'currency' | 'date_time' | 'image' | 'document' | 'video' | 'payload';
  text?: string;
  currency?: { fallback_value: string; code: string; amount_1000: number };
  date_time?: { fallback_value: string };
  image?: { link?: string; id?: string };
  document?: { link?: string; id?: string; filename?: string };
  video?: { link?: string; id?: string };
  payload?: string;
  /** Named parameters (`{{order_id}}`) carry their name. */
  parameter_name?: string;
}

export interface TemplateComponentValues {
  type: 'header' | 'body' | 'button';
  sub_type?: 'quick_reply' | 'url' | 'copy_code';
  index?: number;
  parameters: TemplateParameter[];
}

export interface TemplateSend {
  name: string;
  language: string;
  components: TemplateComponentValues[];
}

export interface InteractiveButton {
  id: string;
  title: string;
}

export interface InteractiveListRow {
  id: string;
  title: string;
  description?: string;
}

/** An outbound interactive message: reply buttons or a list. */
export type InteractiveSend =
  | { kind: 'buttons'; body: string; header?: string; footer?: string; buttons: InteractiveButton[] }
  | {
      kind: 'list';
      body: string;
      header?: string;
      footer?: string;
      buttonText: string;
      sections: { title?: string; rows: InteractiveListRow[] }[];
    };

export type MessageContent =
  | { type: 'text'; text: string }
  /** `voice`: audio recorded as a voice note, not an audio file (present only when true). */
  | { type: MediaKind; media: MediaRef; caption?: string; filename?: string; voice?: true }
  /** Several media in one message (Twilio's NumMedia > 1), in the sender's order; its text is the caption. */
  | { type: 'attachments'; attachments: MediaAttachment[]; caption?: string }
  | { type: 'location'; latitude: number; longitude: number; name?: string; address?: string; url?: string }
  | { type: 'contacts'; contacts: SharedContactCard[] }
  /** A tap on an interactive reply button or list row we sent. */
  | { type: 'interactive_reply'; reply: { kind: 'button' | 'list'; id: string; title: string; description?: string } }
  /** A tap on a template's quick-reply button. */
  | { type: 'button_reply'; payload: string; text: string }
  /** emoji absent: the reaction was removed. */
  | { type: 'reaction'; targetProviderMessageId: string; emoji?: string }
  | { type: 'system'; systemType: string; body: string; newExternalId?: string }
  | { type: 'unsupported'; reason?: string }
  | { type: 'template'; template: TemplateSend }
  | { type: 'interactive'; interactive: InteractiveSend }
  | {
      type: 'email';
      subject: string;
      /** The plain text as received (or derived from the HTML). */
      text: string;
      html?: string;
      /** What the sender wrote this time: quoted history and signature stripped. */
      newText: string;
      from: string;
      to: string[];
      cc: string[];
      attachments: EmailAttachment[];
      /** Auto-Submitted, Precedence bulk/list/junk, List-*, X-Autoreply: never answered automatically. */
      automatic: boolean;
      /** Mailing-list or bulk mail (List-Id, Precedence bulk/list/junk): held in quarantine until an admin releases it. */
      bulk?: boolean;
    };

export type MessageType = MessageContent['type'];

export const MEDIA_KINDS: readonly MediaKind[] = ['image', 'video', 'audio', 'document', 'sticker'];

export function isMediaContent(c: MessageContent): c is Extract<MessageContent, { media: MediaRef }> {
  return (MEDIA_KINDS as readonly string[]).includes(c.type);
}

/** Every piece of media a message carries (one for media messages, any number for attachments and email). */
export function mediaOf(c: MessageContent): MediaRef[] {
  if (isMediaContent(c)) return [c.media];
  if (c.type === 'attachments' || c.type === 'email') return c.attachments;
  return [];
}

/** The kind of mediaOf(c)[index], which sets its size limit; email attachments count as documents. */
export function mediaKindAt(c: MessageContent, index: number): MediaKind {
  if (isMediaContent(c)) return c.type;
  if (c.type === 'attachments') return c.attachments[index]?.kind ?? 'document';
  return 'document';
}

/**
 * A message received while another app controlled the conversation (Messenger's handover
 * protocol, `standby`): history only, which nothing (no rule, no routing) acts on.
 */
export function isHistoryOnly(message: { standby?: boolean }): boolean {
  return message.standby === true;
}

/**
 * Whether a received message is work for people: something automation answers and routing hands
 * to agents. History is not; nor is automatic mail (auto-replies, notifications; RFC 3834),
 * which only rules that ask for automatic messages see. List and bulk mail reaches a
 * conversation only when an admin released it from quarantine for people to handle, so there it is.
 */
export function startsWorkForPeople(message: { standby?: boolean; content: MessageContent }): boolean {
  if (isHistoryOnly(message)) return false;
  const { content } = message;
  return content.type !== 'email' || !content.automatic || content.bulk === true;
}

/**
 * What a provider's error code means for us. Decisions are made on the code, never on the
 * title text: worth retrying later (throughput, outage); final; or the messaging window closed.
 */
export type SendFailureOutcome = 'retry' | 'final' | 'window_closed';

/** A provider's error, kept as the provider said it (code is what decisions are made on). */
export interface ProviderErrorInfo {
  code: string;
  title: string;
  detail?: string;
  /** Where the connector knows it (a failed status callback can mean a closed window). */
  outcome?: SendFailureOutcome;
}

/** Who wrote a message: the contact, an agent, automation (rules, bots), or the business from another tool (echoes). */
export const MESSAGE_AUTHORS = ['contact', 'agent', 'automation', 'business'] as const;
export type MessageAuthor = (typeof MESSAGE_AUTHORS)[number];
