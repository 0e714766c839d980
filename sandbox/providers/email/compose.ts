import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { FailurePreset, MailHeaders } from '../../view.js';

const REPLY_PREFIX = /^re\s*:/i;
const unbracketed = (id: string) => id.trim().replace(/^<|>$/g, '');
const newMessageId = (domain: string) => `${randomBytes(10).toString('hex')}@${domain}`;
const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/**
 * A mail the customer writes, as their mail program would send it (RFC 5322, built by
 * Nodemailer's MailComposer): a new thread with `subject`, or a reply to `parent` that cites it
 * in In-Reply-To and References and keeps its subject with one `Re: `.
 */
export async function customerMail(from: { name: string; address: string }, to: string, text: string, subject: string, parent?: MailHeaders): Promise<{ raw: Buffer; headers: MailHeaders }> {
  const messageId = newMessageId(domainOf(from.address));
  const references = parent ? [...parent.references, parent.messageId] : [];
  const headers: MailHeaders = {
    subject: parent ? (REPLY_PREFIX.test(parent.subject) ? parent.subject : `Re: ${parent.subject}`) : subject,
    from: from.address,
    to,
    messageId,
    ...(parent && { inReplyTo: parent.messageId }),
    references,
    thread: parent?.thread ?? messageId,
  };
  const raw = await new MailComposer({
    from,
    to,
    subject: headers.subject,
    text,
    date: new Date(),
    messageId: `<${messageId}>`,
    ...(parent && { inReplyTo: `<${parent.messageId}>`, references: references.map((id) => `<${id}>`) }),
  })
    .compile()
    .build();
  return { raw, headers };
}

/** What the customer's mailbox shows of a mail that arrived over SMTP: its text and headers (the thread is the caller's to find). */
export async function readMail(raw: Buffer): Promise<{ text: string; headers: Omit<MailHeaders, 'thread'> }> {
  const parsed = await simpleParser(raw);
  const references = parsed.references === undefined ? [] : [parsed.references].flat();
  return {
    text: (parsed.text ?? '').trimEnd(),
    headers: {
      subject: parsed.subject ?? '',
      from: parsed.from?.text ?? '',
      to: [parsed.to ?? []].flat().map((a) => a.text).join(', '),
      messageId: unbracketed(parsed.messageId ?? newMessageId('sandbox.test')),
      ...(parsed.inReplyTo && { inReplyTo: unbracketed(parsed.inReplyTo) }),
      references: references.map(unbracketed),
    },
  };
}

/**
 * The bounce a customer's mail server sends back for a mail it could not deliver: a delivery
 * status notification (RFC 3464) to the sender, returning the original's header section.
 */
export function deliveryReport(original: Buffer, recipient: string, sender: string, failure: FailurePreset): Buffer {
  const domain = domainOf(recipient);
  const boundary = `report-${randomBytes(8).toString('hex')}`;
  const headerEnd = original.indexOf('\r\n\r\n');
  const originalHeaders = original.subarray(0, headerEnd === -1 ? original.length : headerEnd).toString('utf8');
  const diagnostic = `550 ${failure.code} <${recipient}>: ${failure.title}`;
  return Buffer.from(
    [
      'Return-Path: <>',
      `From: Mail Delivery System <MAILER-DAEMON@${domain}>`,
      `To: ${sender}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
      `Message-ID: <${newMessageId(domain)}>`,
      'Auto-Submitted: auto-replied',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `Your message to <${recipient}> could not be delivered: ${diagnostic}`,
      '',
      `--${boundary}`,
      'Content-Type: message/delivery-status',
      '',
      `Reporting-MTA: dns; mx.${domain}`,
      '',
      `Final-Recipient: rfc822; ${recipient}`,
      'Action: failed',
      `Status: ${failure.code}`,
      `Diagnostic-Code: smtp; ${diagnostic}`,
      '',
      `--${boundary}`,
      'Content-Type: text/rfc822-headers',
      '',
      originalHeaders,
      '',
      `--${boundary}--`,
      '',
    ].join('\r\n'),
  );
}
