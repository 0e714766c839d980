import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { z } from 'zod';
import { ProviderSendError, type OutboundSend, type SendResult } from '../contract.js';
import type { EmailAttachment, EmailThreadHeaders, MessageContent } from '../../src/domain/message.js';
import { ATTACHMENT_MAX_BYTES } from './capabilities.js';
import { ourMessageId } from './message-id.js';
import { htmlToText } from './quotes.js';
import type { EmailChannel } from './settings.js';
type Thread = NonNullable<OutboundSend['thread']>;

/** Copies a sent message (its exact bytes) into the channel's Sent folder. */
export type SentAppender = (raw: Buffer, sentAt: Date, channel: EmailChannel) => Promise<void>;

/** Something went wrong that does not fail the send (the copy to the Sent folder). */
export type WarningHandler = (message: string, err: unknown) => void;

/** The email connector's client: what its sends draw on besides the channel. */
export interface SendDeps {
  appendToSent: SentAppender;
  onWarning: WarningHandler;
}

/** Connecting and the greeting; a server that does not answer in this time is tried again later. */
const CONNECT_TIMEOUT_MS = 15_000;
/** Silence on an open connection; long enough for a slow server to take a 25 MB message. */
const SOCKET_TIMEOUT_MS = 60_000;
/** A long thread's References keeps its first id and the latest ones (as common clients trim it), not hundreds. */
const REFERENCES_KEPT = 20;
/**
 * Nodemailer's codes, where the server gave no reply code, that no retry fixes: no or refused
 * credentials, an envelope or message Nodemailer itself refuses. Every other code without a
 * reply (ECONNECTION, ETIMEDOUT, ESOCKET, EDNS, ETLS, ...) is worth trying again.
 */
const FINAL_CODES: ReadonlySet<string> = new Set(['EAUTH', 'ENOAUTH', 'EENVELOPE', 'EMESSAGE']);
const REPLY_PREFIX = /^(?:re|aw|sv|antw)\s*:/i;
const recipient = z.email();

/**
 * One mail over SMTP. The message is built once (Nodemailer's MailComposer): those exact bytes
 * go to the server and then to the Sent folder. Its Message-ID is ours
 * (`og.<conversation>.<message>@<domain>`, also the providerMessageId returned): replies and
 * bounces name it, and a retried send carries the same id (providers that deduplicate by
 * Message-ID, like Gmail, show it once). A reply
 * carries In-Reply-To and References (RFC 5322 §3.6.4). Each send opens its own connection: at
 * a few mails a second that costs little, and a changed password applies at once.
 */
export async function sendEmail(message: OutboundSend, channel: EmailChannel, deps: SendDeps): Promise<SendResult> {
  const { thread } = message;
  if (!thread) throw refuse('thread_missing', 'An email is sent within a thread: the core passes its conversation and message ids');
  if (!recipient.safeParse(message.to).success) throw refuse('recipient_invalid', `Not one email address: ${message.to}`);
  const { settings } = channel;
  const messageId = ourMessageId(thread.conversationId, thread.messageId, settings.messageIdDomain ?? domainOf(settings.address));
  const sentAt = new Date();
  const composed = new MailComposer({
    from: settings.displayName ? { name: settings.displayName, address: settings.address } : settings.address,
    to: message.to,
    messageId: `<${messageId}>`,
    date: sentAt,
    ...threadHeaders(thread.inReplyTo),
    ...(await bodyOf(message.content, thread, message.loadStoredMedia)),
  }).compile();
  const raw = await composed.build();
  await submit(raw, composed.getEnvelope(), channel);
  try {
    await deps.appendToSent(raw, sentAt, channel);
  } catch (err) {
    // The mail is out; only the mailbox's copy is missing. Failing here would send it twice.
    deps.onWarning(`The sent message ${messageId} could not be copied to the ${settings.imap.sentFolder} folder`, err);
  }
  return { providerMessageId: messageId };
}

async function submit(raw: Buffer, envelope: Mail.Options['envelope'], channel: EmailChannel): Promise<void> {
  const { smtp } = channel.settings;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    // Without implicit TLS, STARTTLS is used when the server offers it, but not required.
    requireTLS: false,
    auth: { user: smtp.user, pass: channel.secrets.smtpPassword },
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  try {
    await transport.sendMail({ envelope, raw });
  } catch (err) {
    throw toProviderSendError(err);
  } finally {
    transport.close();
  }
}

/** In-Reply-To is the parent's id; References the parent's References (or In-Reply-To) and the parent. */
export function threadHeaders(parent: EmailThreadHeaders | undefined): { inReplyTo?: string; references?: string[] } {
  if (!parent) return {};
  const chain = [...new Set([...(parent.references ?? (parent.inReplyTo ? [parent.inReplyTo] : [])), parent.messageId])]
    // A mail that came without a Message-ID is stored under a hash of its bytes: not an id to cite.
    .filter((id) => id.includes('@'));
  const kept = chain.length > REFERENCES_KEPT ? [...chain.slice(0, 1), ...chain.slice(-(REFERENCES_KEPT - 1))] : chain;
  if (!parent.messageId.includes('@')) return kept.length > 0 ? { references: kept.map(bracketed) } : {};
  return { inReplyTo: bracketed(parent.messageId), references: kept.map(bracketed) };
}

/** A reply's subject is the thread's with one `Re: ` (not added again, nor to `AW:`/`SV:` of other languages). */
export function replySubject(subject: string): string {
  const trimmed = subject.trim();
  return REPLY_PREFIX.test(trimmed) ? trimmed : `Re: ${trimmed}`;
}

type Body = Pick<Mail.Options, 'subject' | 'text' | 'html' | 'attachments' | 'headers'>;

async function bodyOf(content: MessageContent, thread: Thread, load: OutboundSend['loadStoredMedia']): Promise<Body> {
  const subject = thread.inReplyTo ? replySubject(thread.subject) : thread.subject;
  switch (content.type) {
    case 'text':
      if (!content.text.trim()) throw refuse('content_invalid', 'The text is empty');
      return { subject, text: content.text };
    case 'image':
    case 'video':
    case 'audio':
    case 'document': {
      const file = await attachmentOf({ ...content.media, filename: content.filename }, load);
      return { subject, text: content.caption ?? '', attachments: [file] };
    }
    case 'email': {
      const attachments = await Promise.all(content.attachments.map((a) => attachmentOf(a, load)));
      if (!content.text.trim() && !content.html && attachments.length === 0) throw refuse('content_invalid', 'The email has no text, HTML or attachment');
      return {
        subject: content.subject.trim() || subject,
        // Clients that cannot show HTML get its text.
        text: content.text.trim() ? content.text : htmlToText(content.html ?? ''),
        html: content.html,
        attachments,
        // RFC 3834: our automatic mail says so, and other responders leave it unanswered.
        headers: content.automatic ? { 'Auto-Submitted': 'auto-replied' } : {},
      };
    }
    default:
      throw refuse('unsupported_content', `Email cannot send ${content.type} messages`);
  }
}

/** Files come from our media store only: a URL would have us fetch arbitrary addresses. */
async function attachmentOf(ref: EmailAttachment, load: OutboundSend['loadStoredMedia']): Promise<Mail.Attachment> {
  if (!ref.storedId) throw refuse('media_missing', 'Email attachments must be stored media (storedId)');
  const stored = await load(ref.storedId);
  if (stored.data.length > ATTACHMENT_MAX_BYTES) {
    throw refuse('media_too_large', `The attachment is ${stored.data.length} bytes; email takes at most ${ATTACHMENT_MAX_BYTES}`);
  }
  return {
    filename: ref.filename ?? stored.filename,
    content: stored.data,
    contentType: ref.mimeType ?? stored.mimeType,
    ...(ref.contentId && { cid: ref.contentId }),
  };
}

interface SmtpFailure {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/**
 * An SMTP failure in our terms. The server's reply code decides (4xx: try again later, 5xx:
 * final) and names it, except authentication, named EAUTH (a wrong password is the channel's
 * problem, not the message's). Without a reply (connection refused, DNS, TLS, timeouts) it is
 * retried, unless Nodemailer refused the message itself. Anything else is left as it is.
 */
export function toProviderSendError(err: unknown): unknown {
  if (err instanceof ProviderSendError || !(err instanceof Error)) return err;
  const { code, responseCode, response } = err as SmtpFailure;
  if (typeof code !== 'string' && typeof responseCode !== 'number') return err;
  const title = typeof response === 'string' && response ? response : err.message;
  if (typeof responseCode === 'number') {
    const name = code === 'EAUTH' ? 'EAUTH' : String(responseCode);
    return new ProviderSendError(name, title, responseCode >= 400 && responseCode < 500 ? 'retry' : 'final');
  }
  const name = String(code);
  return new ProviderSendError(name, title, FINAL_CODES.has(name) ? 'final' : 'retry');
}

/**
 * The default SentAppender: IMAP APPEND with `\Seen` (it is our own mail). A missing folder is
 * created when the server says so (TRYCREATE, RFC 3501 §6.3.11) and the APPEND tried once more.
 */
export async function appendWithImap(raw: Buffer, sentAt: Date, channel: EmailChannel): Promise<void> {
  const { imap } = channel.settings;
  const client = new ImapFlow({
    host: imap.host,
    port: imap.port,
    secure: imap.secure,
    auth: { user: imap.user, pass: channel.secrets.imapPassword },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  // Without a listener an 'error' event would end the process; the failing call rejects anyway.
  client.on('error', () => {});
  await client.connect();
  try {
    const append = () => client.append(imap.sentFolder, raw, ['\\Seen'], sentAt);
    const done = await append().catch(async (err: unknown) => {
      if ((err as { serverResponseCode?: unknown }).serverResponseCode !== 'TRYCREATE') throw err;
      await client.mailboxCreate(imap.sentFolder);
      return append();
    });
    if (!done) throw new Error('The IMAP session was not ready for APPEND');
  } finally {
    await client.logout().catch(() => client.close());
  }
}

function refuse(code: string, title: string): ProviderSendError {
  return new ProviderSendError(code, title, 'final');
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1);
}

function bracketed(id: string): string {
  return `<${id}>`;
}
