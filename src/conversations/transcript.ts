import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { MessageDoc } from '../store/models/message.js';
import type { MessageContent } from '../domain/message.js';
import { contactToApi, conversationToApi, identityToApi } from '../representation/public-records.js';

/**
 * A conversation as a helpdesk or an export reads it: the conversation, who the contact is on
 * every channel, and each message reduced to what a person would read (text, caption, the
 * names of attachments), oldest first.
 */
export interface Transcript {
  conversation: ReturnType<typeof conversationToApi>;
  contact: TranscriptContact | null;
  messages: TranscriptMessage[];
}

export type TranscriptContact = ReturnType<typeof contactToApi> & { identities: ReturnType<typeof identityToApi>[] };

export interface TranscriptMessage {
  id: string;
  direction: MessageDoc['direction'];
  author: MessageDoc['author'];
  internal: boolean;
  type: MessageDoc['type'];
  /** What the message says: its text, the email's new text, a location's name, a reaction's emoji. */
  text: string | null;
  caption: string | null;
  /** Email subject, when the message is an email. */
  subject: string | null;
  attachments: string[];
  status: MessageDoc['status'];
  /** The provider's time when known (inbound), otherwise when we stored it. */
  at: string;
  createdAt: string;
}

export async function loadTranscript(store: Store, conversation: ConversationDoc): Promise<Transcript> {
  const [contact, identities, messages] = await Promise.all([
    store.contacts.findOne({ _id: conversation.contactId, workspaceId: conversation.workspaceId }).lean(),
    store.contactIdentities.find({ contactId: conversation.contactId, workspaceId: conversation.workspaceId }).sort({ _id: 1 }).lean(),
    // Insertion order (the (conversationId, _id) index): the order the gateway saw them in.
    store.messages.find({ conversationId: conversation._id, workspaceId: conversation.workspaceId }).sort({ _id: 1 }).lean(),
  ]);
  return {
    conversation: conversationToApi(conversation),
    contact: contact && {
      ...contactToApi(contact),
      identities: identities.map(identityToApi),
    },
    messages: messages.map(transcriptMessageOf),
  };
}

function transcriptMessageOf(m: MessageDoc): TranscriptMessage {
  const c = m.content;
  return {
    id: String(m._id),
    direction: m.direction,
    author: m.author,
    internal: m.internal === true,
    type: m.type,
    text: textOf(c),
    caption: 'caption' in c && c.caption ? c.caption : null,
    subject: c.type === 'email' ? c.subject : null,
    attachments: attachmentNamesOf(c),
    status: m.status,
    at: (m.providerTimestamp ?? m.createdAt).toISOString(),
    createdAt: m.createdAt.toISOString(),
  };
}

function textOf(c: MessageContent): string | null {
  switch (c.type) {
    case 'text':
      return c.text;
    case 'email':
      return c.newText || c.text;
    case 'location':
      return [c.name, c.address, `${c.latitude},${c.longitude}`].filter(Boolean).join(', ');
    case 'contacts':
      return c.contacts.map((card) => card.name.formatted_name ?? [card.name.first_name, card.name.last_name].filter(Boolean).join(' ')).join(', ');
    case 'interactive_reply':
      return c.reply.title;
    case 'button_reply':
      return c.text;
    case 'reaction':
      return c.emoji ?? null;
    case 'system':
      return c.body;
    case 'template':
      return `[template ${c.template.name} (${c.template.language})]`;
    case 'interactive':
      return c.interactive.body;
    case 'unsupported':
      return null;
    default:
      return null; // media: the caption and attachment name carry it
  }
}

function attachmentNamesOf(c: MessageContent): string[] {
  if (c.type === 'email') return c.attachments.map((a, i) => a.filename ?? `attachment-${i + 1}`);
  if (c.type === 'attachments') return c.attachments.map((a) => a.kind);
  if ('media' in c) return [c.filename ?? c.type];
  return [];
}

/** Plain text, one block per message: "[time] who (internal note): text", attachments listed below. */
export function renderTranscriptText(t: Transcript): string {
  const contactName = t.contact?.name ?? t.contact?.email ?? t.contact?.phone ?? 'Contact';
  const lines = [`Conversation ${t.conversation.id} with ${contactName}`, `Status: ${t.conversation.status}`, ''];
  for (const m of t.messages) {
    const who = m.direction === 'inbound' ? contactName : m.author;
    const head = `[${m.at}] ${who}${m.internal ? ' (internal note)' : ''}:`;
    const body = [m.subject && `Subject: ${m.subject}`, m.text, m.caption].filter(Boolean).join('\n');
    lines.push(body ? `${head} ${body}` : head);
    for (const a of m.attachments) lines.push(`  attachment: ${a}`);
  }
  return lines.join('\n') + '\n';
}
