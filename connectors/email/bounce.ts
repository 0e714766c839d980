import type { Attachment, ParsedMail, StructuredHeader } from 'mailparser';
import type { InboundEvent } from '../../src/domain/inbound-event.js';
import { withoutUndefined } from '../support/objects.js';
import { firstHeader, parseHeaderBlock, type HeaderMap } from './headers.js';
import { messageIdsIn } from './message-id.js';

type StatusEvent = Extract<InboundEvent, { kind: 'status' }>;

/** The machine-readable part of a delivery report (RFC 3464; RFC 6533 for internationalized mail). */
const STATUS_PARTS: ReadonlySet<string> = new Set(['message/delivery-status', 'message/global-delivery-status']);
/** The returned original: whole (message/rfc822) or its header section only (text/rfc822-headers). */
const ORIGINAL_PARTS: ReadonlySet<string> = new Set(['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers']);
/** Actions that report no failure: still trying, or done. */
const NOT_FAILED: ReadonlySet<string> = new Set(['delayed', 'delivered', 'relayed', 'expanded']);

function isStructured(header: unknown): header is StructuredHeader {
  return typeof header === 'object' && header !== null && typeof (header as StructuredHeader).value === 'string' && 'params' in header;
}

/** `multipart/report; report-type=delivery-status`: a bounce (or delay notice), never a message. */
export function isDeliveryReport(mail: Pick<ParsedMail, 'headers'>): boolean {
  const contentType = mail.headers.get('content-type');
  if (!isStructured(contentType)) return false;
  return contentType.value.toLowerCase() === 'multipart/report' && contentType.params['report-type']?.toLowerCase() === 'delivery-status';
}

/**
 * One `failed` status per recipient the report gives up on, for the message the report
 * returns: its Message-ID is read from the returned original, which is how the core finds the
 * outbound message (we returned that id as its providerMessageId). A report without a
 * recognizable original yields nothing, and so do delay notices (the server is still trying)
 * and recipients that were delivered or relayed.
 */
export function bounceEvents(attachments: readonly Attachment[], accountId: string, timestamp: Date): StatusEvent[] {
  const report = attachments.find((a) => STATUS_PARTS.has(a.contentType.toLowerCase()));
  const original = attachments.find((a) => ORIGINAL_PARTS.has(a.contentType.toLowerCase()));
  const originalId = original && messageIdsIn(firstHeader(parseHeaderBlock(original.content.toString('utf8')), 'message-id'))[0];
  if (!report || !originalId) return [];
  return recipientFields(report.content.toString('utf8')).flatMap((fields) => {
    const failure = failureOf(fields);
    if (!failure) return [];
    return [{ kind: 'status' as const, accountId, providerMessageId: originalId, status: 'failed' as const, timestamp, ...failure }];
  });
}

/** The per-recipient field groups: the report is groups of fields separated by empty lines. */
function recipientFields(report: string): HeaderMap[] {
  return report
    .split(/\r?\n[ \t]*\r?\n/)
    .map(parseHeaderBlock)
    .filter((fields) => fields.has('final-recipient') || fields.has('action'));
}

function failureOf(fields: HeaderMap): Pick<StatusEvent, 'recipientId' | 'error'> | undefined {
  const action = firstHeader(fields, 'action')?.toLowerCase().split(/[\s;(]/, 1)[0] ?? '';
  const status = /^([245])\.\d{1,3}\.\d{1,3}\b/.exec(firstHeader(fields, 'status') ?? '');
  const failed = action === 'failed' || (!NOT_FAILED.has(action) && status?.[1] === '5');
  if (!failed) return undefined;
  const recipient = addressOf(firstHeader(fields, 'final-recipient') ?? firstHeader(fields, 'original-recipient'));
  const diagnostic = afterType(firstHeader(fields, 'diagnostic-code'));
  return withoutUndefined({
    recipientId: recipient?.toLowerCase(),
    error: withoutUndefined({
      code: status?.[0] ?? 'failed',
      title: diagnostic || 'The receiving mail server did not accept the message',
      detail: recipient,
      // 4.x.x: the server gave up on a temporary condition, which may have passed by now.
      outcome: status?.[1] === '4' ? ('retry' as const) : ('final' as const),
    }),
  });
}

/** `rfc822; jane@example.com` → `jane@example.com` (the address type is dropped). */
function addressOf(value: string | undefined): string | undefined {
  return afterType(value) || undefined;
}

/** Report fields are typed, `<type>; <value>` (`smtp; 550 5.1.1 ...`): the value. */
function afterType(value: string | undefined): string {
  if (value === undefined) return '';
  const semicolon = value.indexOf(';');
  return (semicolon >= 0 ? value.slice(semicolon + 1) : value).trim();
}
