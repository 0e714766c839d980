import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { InvalidPayloadError, type WebhookRequest } from '../contract.js';
import type { InboundEvent } from '../../src/domain/inbound-event.js';
import type { EmailAttachment, EmailThreadHeaders, MessageContent } from '../../src/domain/message.js';
import { withoutUndefined } from '../support/objects.js';
import { isAutomatic, isBulk } from './automatic.js';
import { bounceEvents, isDeliveryReport } from './bounce.js';
import { firstHeader, parseHeaderBlock, type HeaderMap } from './headers.js';
import { ACCOUNT_HEADER } from './imap-source.js';
import { messageIdsIn } from './message-id.js';
import { htmlToText, newTextOf, newTextOfHtml } from './quotes.js';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
type EmailContent = Extract<MessageContent, { type: 'email' }>;

/**
 * What mailparser should leave to us: the HTML keeps its `cid:` links (the images are stored
 * as attachments, not inlined as data URIs); an HTML-only mail's text is not derived by
 * mailparser, so an empty `text` tells us there was no plain part; delivery reports stay
 * attachments we can read.
 */
const PARSER_OPTIONS = { keepCidLinks: true, skipHtmlToText: true, keepDeliveryStatus: true, skipTextToHtml: true } as const;

/**
 * A recorded mail (RFC 5322 bytes, `message/rfc822`) to events. The IMAP watcher puts the
 * receiving channel's address on top as `X-Omnigate-Account`: parse sees only bytes, and
 * routing needs the account (the topmost field is the watcher's; it renames any the sender
 * wrote). A delivery report becomes status events for the message it returns, anything else
 * one `message` event; charsets and transfer encodings are decoded by mailparser.
 */
export async function parseEmail(req: Pick<WebhookRequest, 'rawBody'> & { receivedAt: Date }): Promise<InboundEvent[]> {
  const mail = await read(req.rawBody);
  const headers = parseHeaderBlock((mail.headerLines ?? []).map((h) => h.line).join('\n'));
  const accountId = firstHeader(headers, ACCOUNT_HEADER)?.toLowerCase();
  if (!accountId) throw new InvalidPayloadError(`The mail has no ${ACCOUNT_HEADER} header naming the mailbox it was fetched from`);
  const timestamp = dateOf(headers) ?? req.receivedAt;
  if (isDeliveryReport(mail)) return bounceEvents(mail.attachments, accountId, timestamp);
  return [messageEvent(mail, headers, req.rawBody, accountId, timestamp)];
}

async function read(raw: Buffer): Promise<ParsedMail> {
  try {
    return await simpleParser(raw, PARSER_OPTIONS);
  } catch (err) {
    throw new InvalidPayloadError(`Not a readable mail: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function messageEvent(mail: ParsedMail, headers: HeaderMap, raw: Buffer, accountId: string, timestamp: Date): MessageEvent {
  const sender = addressesOf(mail.from)[0];
  if (!sender) throw new InvalidPayloadError('The mail has no From address');
  // A mail without Message-ID (rare, some scripts) is named by its bytes, so a refetch matches.
  const providerMessageId = messageIdsIn(firstHeader(headers, 'message-id'))[0] ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  return withoutUndefined({
    kind: 'message' as const,
    accountId,
    providerMessageId,
    from: withoutUndefined({ externalId: sender.address, displayName: sender.name }),
    timestamp,
    content: contentOf(mail, sender.address, { automatic: isAutomatic(headers), bulk: isBulk(headers) }),
    thread: threadOf(providerMessageId, headers),
    inlineMedia: mail.attachments.length > 0 ? mail.attachments.map((a, index) => ({ index, data: a.content, mimeType: a.contentType })) : undefined,
  });
}

function contentOf(mail: ParsedMail, from: string, kind: Pick<EmailContent, 'automatic' | 'bulk'>): EmailContent {
  const plain = mail.text?.trim() ? mail.text : undefined;
  const html = mail.html || undefined;
  const text = plain ?? (html ? htmlToText(html) : '');
  const stripped = plain !== undefined ? newTextOf(plain) : html ? newTextOfHtml(html) : '';
  return withoutUndefined({
    type: 'email' as const,
    subject: mail.subject ?? '',
    text,
    html,
    // A mail that is all history (a forward without a word, a reply quoting only) shows whole.
    newText: stripped || text.trim(),
    from,
    to: addressesOf(mail.to).map((a) => a.address),
    cc: addressesOf(mail.cc).map((a) => a.address),
    attachments: mail.attachments.map(
      (a): EmailAttachment =>
        withoutUndefined({ filename: a.filename, mimeType: a.contentType, size: a.content.length, contentId: a.cid, state: 'pending' as const }),
    ),
    ...kind,
  });
}

function threadOf(messageId: string, headers: HeaderMap): EmailThreadHeaders {
  const references = messageIdsIn(firstHeader(headers, 'references'));
  return withoutUndefined({
    messageId,
    inReplyTo: messageIdsIn(firstHeader(headers, 'in-reply-to'))[0],
    references: references.length > 0 ? references : undefined,
  });
}

/** Every address of one or more address fields (group members included), lowercased. */
function addressesOf(field: AddressObject | AddressObject[] | undefined): { address: string; name?: string }[] {
  const fields = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return fields
    .flatMap((f) => f.value)
    .flatMap((a) => (a.group ? a.group : [a]))
    .flatMap((a) => (a.address ? [{ address: a.address.toLowerCase(), name: a.name || undefined }] : []));
}

/** The Date field; undefined when missing or unreadable (the caller uses the time we received it). */
function dateOf(headers: HeaderMap): Date | undefined {
  const value = firstHeader(headers, 'date');
  if (!value) return undefined;
  const date = new Date(value.replace(/\([^)]*\)/g, '').trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}
