import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * Raw RFC 5322 messages shaped like what real mail clients and servers send, for APPEND into
 * Dovecot (mailbox.ts appendRaw) or for parsing tests. Every builder returns a string with CRLF
 * line endings that is pure 7-bit ASCII (non-ASCII is quoted-printable / base64 / RFC 2047
 * encoded, as clients do), so `Buffer.from(raw)` is exactly the bytes on the wire.
 *
 * Times are rendered in UTC. Boundaries are derived from the Message-ID: same input, same output.
 * Human-written mails end with a signature block ("-- " line) unless `signature: false`.
 */

export interface MailAddress {
  name?: string;
  address: string;
}
/** 'a@b.c', 'Name <a@b.c>' (used as is) or { name, address }. */
export type AddressInput = string | MailAddress;

export interface MessageOptions {
  from: AddressInput;
  to: AddressInput | AddressInput[];
  cc?: AddressInput | AddressInput[];
  replyTo?: AddressInput;
  subject: string;
  /** With or without angle brackets. */
  messageId: string;
  /** Default 2026-01-02T09:30:00Z. */
  date?: Date;
  inReplyTo?: string;
  references?: string | string[];
  /** Extra header lines, added after the standard ones. */
  headers?: Record<string, string>;
  /** Signature text after the "-- " line; default: the sender's name; false: none. */
  signature?: string | false;
}

/** The earlier message a reply quotes or a forward carries. */
export interface QuotedMessage {
  from: AddressInput;
  to?: AddressInput | AddressInput[];
  subject?: string;
  date: Date;
  /** Plain text of the earlier message (its own signature included if it had one). */
  text: string;
}

export const DEFAULT_DATE = new Date('2026-01-02T09:30:00Z');

// ------------------------------------------------------------------------------------ encoding

const CRLF = '\r\n';

function crlf(text: string): string {
  return text.replace(/\r?\n/g, CRLF);
}

function isAscii(text: string): boolean {
  return /^[\x20-\x7e\t\r\n]*$/.test(text);
}

export function angle(id: string): string {
  const trimmed = id.trim();
  return trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
}

/** RFC 2047 encoded-word(s), base64, for a header text in the given charset bytes. */
function encodedWord(bytes: Buffer, charset: string, mode: 'B' | 'Q' = 'B'): string {
  if (mode === 'Q') {
    let out = '';
    for (const b of bytes) {
      if (b === 0x20) out += '_';
      else if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x2e || b === 0x2d) {
        out += String.fromCharCode(b);
      } else out += `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    }
    return `=?${charset}?Q?${out}?=`;
  }
  // Split so every encoded-word stays under 75 characters, never inside a multi-byte character
  // (chunks of at most 30 bytes, cut at character starts for UTF-8 / Shift_JIS by the caller's data).
  const words: string[] = [];
  for (let i = 0; i < bytes.length; i += 30) {
    words.push(`=?${charset}?B?${bytes.subarray(i, i + 30).toString('base64')}?=`);
  }
  return words.join(`${CRLF} `);
}

/** A header text: as is when ASCII, else UTF-8 encoded-words (cut at character boundaries). */
function headerText(text: string): string {
  if (isAscii(text)) return text;
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch) > 30) {
      words.push(encodedWord(Buffer.from(chunk, 'utf8'), 'UTF-8'));
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(encodedWord(Buffer.from(chunk, 'utf8'), 'UTF-8'));
  return words.join(`${CRLF} `);
}

function parseAddress(input: AddressInput): MailAddress {
  if (typeof input !== 'string') return input;
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(input);
  if (m?.[2]) return { name: m[1]?.replace(/^"|"$/g, '') || undefined, address: m[2] };
  return { address: input.trim() };
}

/** `Name <addr>` for a header, the name quoted or encoded as needed. */
export function formatAddress(input: AddressInput): string {
  const { name, address } = parseAddress(input);
  if (!name) return address;
  if (!isAscii(name)) return `${headerText(name)} <${address}>`;
  if (/[()<>[\]:;@\\,."]/.test(name)) return `"${name.replace(/(["\\])/g, '\\$1')}" <${address}>`;
  return `${name} <${address}>`;
}

function formatAddresses(input: AddressInput | AddressInput[]): string {
  return (Array.isArray(input) ? input : [input]).map(formatAddress).join(', ');
}

/** Name and address for body text (attribution lines), never encoded. */
function displayAddress(input: AddressInput): string {
  const { name, address } = parseAddress(input);
  return name ? `${name} <${address}>` : address;
}

function displayName(input: AddressInput): string {
  const { name, address } = parseAddress(input);
  return name ?? address;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const LONG_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 date: `Fri, 2 Jan 2026 09:30:00 +0000`. */
export function rfc5322Date(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

function clock12(d: Date): string {
  const h = d.getUTCHours() % 12 || 12;
  return `${h}:${pad(d.getUTCMinutes())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}

/** Gmail: `Thu, Jan 1, 2026 at 10:00 AM`. */
function gmailDate(d: Date): string {
  return `${DAYS[d.getUTCDay()]}, ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} at ${clock12(d)}`;
}

/** Outlook: `Thursday, January 1, 2026 10:00 AM`. */
function outlookDate(d: Date): string {
  return `${LONG_DAYS[d.getUTCDay()]}, ${LONG_MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()} ${clock12(d)}`;
}

/** Apple Mail (en_GB): `1 Jan 2026, at 10:00`. */
function appleDate(d: Date): string {
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}, at ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** Quoted-printable (RFC 2045) of text encoded in a charset; lines of at most 76 characters. */
function quotedPrintable(text: string, encode: (s: string) => Buffer = (s) => Buffer.from(s, 'utf8')): string {
  const out: string[] = [];
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const bytes = encode(line);
    const tokens: string[] = [];
    bytes.forEach((b, i) => {
      const last = i === bytes.length - 1;
      const literal = (b >= 33 && b <= 126 && b !== 61) || ((b === 0x20 || b === 0x09) && !last);
      tokens.push(literal ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`);
    });
    let current = '';
    for (const token of tokens) {
      if (current.length + token.length > 75) {
        out.push(`${current}=`);
        current = '';
      }
      current += token;
    }
    out.push(current);
  }
  return out.join(CRLF);
}

function base64Lines(data: Buffer): string {
  return (data.toString('base64').match(/.{1,76}/g) ?? []).join(CRLF);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Plain text as HTML lines joined by <br>. */
function htmlLines(text: string): string {
  return text.split(/\r?\n/).map(escapeHtml).join('<br>');
}

function boundary(seed: string, kind: string, style: (hex: string) => string): string {
  return style(createHash('sha256').update(`${seed}\0${kind}`).digest('hex'));
}

interface Part {
  headers: string[];
  body: string;
}

/** A text part: 7bit when ASCII with short lines, else quoted-printable. */
function textPart(subtype: 'plain' | 'html', text: string, charsetLabel = 'UTF-8', extraHeaders: string[] = []): Part {
  const body = crlf(text);
  const sevenBit = isAscii(body) && body.split(CRLF).every((l) => l.length <= 76);
  return {
    headers: [
      `Content-Type: text/${subtype}; charset="${charsetLabel}"`,
      `Content-Transfer-Encoding: ${sevenBit ? '7bit' : 'quoted-printable'}`,
      ...extraHeaders,
    ],
    body: sevenBit ? body : quotedPrintable(text),
  };
}

function multipart(subtype: string, boundaryValue: string, parts: Part[], extraParams = '', preamble?: string): Part {
  const chunks = parts.map((p) => `--${boundaryValue}${CRLF}${p.headers.join(CRLF)}${CRLF}${CRLF}${p.body}${CRLF}`);
  return {
    headers: [`Content-Type: multipart/${subtype}; boundary="${boundaryValue}"${extraParams}`],
    body: `${preamble ? `${preamble}${CRLF}${CRLF}` : ''}${chunks.join('')}--${boundaryValue}--`,
  };
}

function foldIds(ids: string[]): string {
  return ids.map(angle).join(`${CRLF} `);
}

function referencesOf(opts: MessageOptions): string[] {
  if (opts.references === undefined) return [];
  return Array.isArray(opts.references) ? opts.references : opts.references.split(/\s+/).filter(Boolean);
}

interface HeaderChoices {
  /** Leave out References even when given (Outlook's replies carry only In-Reply-To). */
  noReferences?: boolean;
  mimeVersion?: string;
  /** Client-specific headers placed before MIME-Version. */
  client?: string[];
}

function topHeaders(opts: MessageOptions, choices: HeaderChoices = {}): string[] {
  const h = [
    `From: ${formatAddress(opts.from)}`,
    `To: ${formatAddresses(opts.to)}`,
  ];
  if (opts.cc !== undefined) h.push(`Cc: ${formatAddresses(opts.cc)}`);
  if (opts.replyTo !== undefined) h.push(`Reply-To: ${formatAddress(opts.replyTo)}`);
  h.push(`Subject: ${headerText(opts.subject)}`);
  h.push(`Date: ${rfc5322Date(opts.date ?? DEFAULT_DATE)}`);
  h.push(`Message-ID: ${angle(opts.messageId)}`);
  if (opts.inReplyTo !== undefined) h.push(`In-Reply-To: ${angle(opts.inReplyTo)}`);
  const refs = referencesOf(opts);
  if (refs.length > 0 && !choices.noReferences) h.push(`References: ${foldIds(refs)}`);
  h.push(...(choices.client ?? []));
  h.push(`MIME-Version: ${choices.mimeVersion ?? '1.0'}`);
  for (const [name, value] of Object.entries(opts.headers ?? {})) h.push(`${name}: ${value}`);
  return h;
}

function message(headers: string[], root: Part): string {
  return `${[...headers, ...root.headers].join(CRLF)}${CRLF}${CRLF}${root.body}${CRLF}`;
}

function signatureOf(opts: MessageOptions): string | null {
  if (opts.signature === false) return null;
  return opts.signature ?? displayName(opts.from);
}

/** `text` followed by the "-- " signature block (if any). */
function withSignature(text: string, signature: string | null): string {
  return signature === null ? text : `${text}\n\n-- \n${signature}`;
}

function quoteLines(text: string, prefix = '> '): string {
  return text.split(/\r?\n/).map((l) => (l === '' ? prefix.trimEnd() : `${prefix}${l}`)).join('\n');
}

// ------------------------------------------------------------------------------------ builders

/** A plain-text mail (Thunderbird-like): one text/plain part. */
export function plainMail(opts: MessageOptions & { text: string }): string {
  return message(
    topHeaders(opts, { client: ['User-Agent: Mozilla Thunderbird', 'Content-Language: en-US'] }),
    textPart('plain', withSignature(opts.text, signatureOf(opts))),
  );
}

export interface ReplyOptions extends MessageOptions {
  /** The new text the sender wrote above the quote. */
  text: string;
  quoted: QuotedMessage;
}

/**
 * Gmail web reply: multipart/alternative; the plain part has `On <date> <name> <addr> wrote:`
 * and `>`-quoted lines, the HTML part a `<div class="gmail_quote">` with a `<blockquote>`.
 * `wrapAttribution`: Gmail breaks a long attribution line before "wrote:" as it often does.
 */
export function gmailReply(opts: ReplyOptions & { wrapAttribution?: boolean }): string {
  const sig = signatureOf(opts);
  const attribution = `On ${gmailDate(opts.quoted.date)} ${displayAddress(opts.quoted.from)}`;
  const plain = [
    withSignature(opts.text, sig),
    '',
    opts.wrapAttribution ? `${attribution}\nwrote:` : `${attribution} wrote:`,
    '',
    quoteLines(opts.quoted.text),
    '',
  ].join('\n');
  const { name, address } = parseAddress(opts.quoted.from);
  const attrHtml = `On ${gmailDate(opts.quoted.date)} ${name ? `${escapeHtml(name)} ` : ''}&lt;<a href="mailto:${address}">${address}</a>&gt; wrote:<br>`;
  const sigHtml = sig === null ? '' : `<br><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">${htmlLines(sig)}</div>`;
  const html =
    `<div dir="ltr">${htmlLines(opts.text)}${sigHtml}</div><br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">${attrHtml}</div>` +
    `<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(204,204,204);padding-left:1ex">` +
    `${htmlLines(opts.quoted.text)}</blockquote></div>\n`;
  const b = boundary(opts.messageId, 'alt', (hex) => `000000000000${hex.slice(0, 16)}`);
  return message(topHeaders(opts), multipart('alternative', b, [textPart('plain', plain), textPart('html', html)]));
}

/**
 * Outlook reply: `-----Original Message-----` (desktop) or `________________________________`
 * (Outlook on the web) followed by a From:/Sent:/To:/Subject: block, the earlier text unquoted;
 * Thread-Topic / Thread-Index headers; only In-Reply-To, no References.
 */
export function outlookReply(opts: ReplyOptions & { separator?: 'original-message' | 'underscores' }): string {
  const sig = signatureOf(opts);
  const q = opts.quoted;
  const topic = (q.subject ?? opts.subject).replace(/^((re|aw|fw|fwd|sv):\s*)+/i, '');
  const fields: Array<[string, string]> = [
    ['From', displayAddress(q.from)],
    ['Sent', outlookDate(q.date)],
    ...(q.to !== undefined ? [['To', (Array.isArray(q.to) ? q.to : [q.to]).map(displayAddress).join('; ')] as [string, string]] : []),
    ['Subject', q.subject ?? topic],
  ];
  const separator = opts.separator === 'underscores' ? '________________________________' : '-----Original Message-----';
  const plain = [withSignature(opts.text, sig), '', separator, ...fields.map(([k, v]) => `${k}: ${v}`), '', q.text, ''].join('\n');
  const htmlBlock = fields.map(([k, v]) => `<b>${k}:</b> ${escapeHtml(v)}`);
  const header =
    opts.separator === 'underscores'
      ? `<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr"><font face="Calibri, sans-serif" style="font-size:11pt" color="#000000">${htmlBlock.join('<br>')}</font><div>&nbsp;</div></div>`
      : `<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in"><p class="MsoNormal">${htmlBlock.join('<br>')}<o:p></o:p></p></div></div>`;
  const sigHtml = sig === null ? '' : `<p class="MsoNormal">-- <br>${htmlLines(sig)}<o:p></o:p></p>`;
  const html =
    `<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><meta http-equiv="Content-Type" content="text/html; charset=__CHARSET__"></head>` +
    `<body lang="EN-US" link="#0563C1" vlink="#954F72"><div class="WordSection1"><p class="MsoNormal">${htmlLines(opts.text)}<o:p></o:p></p>${sigHtml}` +
    `<p class="MsoNormal"><o:p>&nbsp;</o:p></p>${header}<p class="MsoNormal">${htmlLines(q.text)}<o:p></o:p></p></div></body></html>\n`;
  const htmlCharset = isAscii(html) ? 'us-ascii' : 'utf-8';
  const threadIndex = createHash('sha256').update(`${opts.messageId}\0thread`).digest().subarray(0, 22).toString('base64');
  const b = boundary(opts.messageId, 'alt', (hex) => `_000_${hex.slice(0, 24).toUpperCase()}namprd00prodoutlook_`);
  return message(
    topHeaders(opts, {
      noReferences: true,
      client: [
        `Thread-Topic: ${headerText(topic)}`,
        `Thread-Index: ${threadIndex}`,
        'Accept-Language: en-US',
        'Content-Language: en-US',
        'X-MS-Has-Attach:',
        'X-MS-TNEF-Correlator:',
      ],
    }),
    multipart('alternative', b, [
      textPart('plain', plain, isAscii(plain) ? 'us-ascii' : 'utf-8'),
      textPart('html', html.replace('__CHARSET__', htmlCharset), htmlCharset),
    ]),
  );
}

/**
 * Apple Mail reply: the plain part quotes the attribution too (`> On 1 Jan 2026, at 10:00,
 * Support <...> wrote:`), the HTML part has `<blockquote type="cite">`.
 */
export function appleMailReply(opts: ReplyOptions): string {
  const sig = signatureOf(opts);
  const attribution = `On ${appleDate(opts.quoted.date)}, ${displayAddress(opts.quoted.from)} wrote:`;
  const plain = [withSignature(opts.text, sig), '', `> ${attribution}`, '> ', quoteLines(opts.quoted.text), ''].join('\n');
  const sigHtml = sig === null ? '' : `<div><br></div><div>-- <br>${htmlLines(sig)}</div>`;
  const html =
    `<html><head><meta http-equiv="content-type" content="text/html; charset=utf-8"></head>` +
    `<body style="overflow-wrap: break-word; -webkit-nbsp-mode: space; line-break: after-white-space;">${htmlLines(opts.text)}` +
    `<br id="lineBreakAtBeginningOfMessage">${sigHtml}<div><br><blockquote type="cite"><div>${escapeHtml(attribution)}</div>` +
    `<br class="Apple-interchange-newline"><div><div>${htmlLines(opts.quoted.text)}</div></div></blockquote></div><br></body></html>\n`;
  const b = boundary(opts.messageId, 'alt', (hex) => `Apple-Mail=_${hex.slice(0, 8).toUpperCase()}-${hex.slice(8, 12).toUpperCase()}-${hex.slice(12, 16).toUpperCase()}-${hex.slice(16, 20).toUpperCase()}-${hex.slice(20, 32).toUpperCase()}`);
  return message(
    topHeaders(opts, { mimeVersion: '1.0 (Mac OS X Mail 16.0 \\(3826.400.131.1.6\\))', client: ['X-Mailer: Apple Mail (2.3826.400.131.1.6)'] }),
    multipart('alternative', b, [textPart('plain', plain, isAscii(plain) ? 'us-ascii' : 'utf-8'), textPart('html', html)]),
  );
}

/** Gmail forward: `---------- Forwarded message ---------` block with From/Date/Subject/To. */
export function forwardedMail(opts: MessageOptions & { text: string; forwarded: QuotedMessage }): string {
  const sig = signatureOf(opts);
  const f = opts.forwarded;
  const to = f.to === undefined ? [] : Array.isArray(f.to) ? f.to : [f.to];
  const block = [
    '---------- Forwarded message ---------',
    `From: ${displayAddress(f.from)}`,
    `Date: ${gmailDate(f.date)}`,
    `Subject: ${f.subject ?? ''}`,
    ...(to.length > 0 ? [`To: ${to.map((a) => `<${parseAddress(a).address}>`).join(', ')}`] : []),
  ];
  const plain = [withSignature(opts.text, sig), '', block.join('\n'), '', '', f.text, ''].join('\n');
  const { name, address } = parseAddress(f.from);
  const blockHtml = [
    '---------- Forwarded message ---------',
    `From: <strong class="gmail_sendername" dir="auto">${escapeHtml(name ?? address)}</strong> <span dir="auto">&lt;<a href="mailto:${address}">${address}</a>&gt;</span>`,
    `Date: ${gmailDate(f.date)}`,
    `Subject: ${escapeHtml(f.subject ?? '')}`,
    ...(to.length > 0 ? [`To: ${to.map((a) => `&lt;<a href="mailto:${parseAddress(a).address}">${parseAddress(a).address}</a>&gt;`).join(', ')}`] : []),
  ].join('<br>');
  const sigHtml = sig === null ? '' : `<br><span class="gmail_signature_prefix">-- </span><br><div dir="ltr" class="gmail_signature">${htmlLines(sig)}</div>`;
  const html =
    `<div dir="ltr">${htmlLines(opts.text)}${sigHtml}<br><div class="gmail_quote"><div dir="ltr" class="gmail_attr">${blockHtml}<br></div><br><br>` +
    `<div dir="ltr">${htmlLines(f.text)}</div></div></div>\n`;
  const b = boundary(opts.messageId, 'alt', (hex) => `000000000000${hex.slice(0, 16)}`);
  return message(topHeaders(opts), multipart('alternative', b, [textPart('plain', plain), textPart('html', html)]));
}

/** HTML only (no text/plain alternative), like many web forms and marketing tools send. */
export function htmlOnlyMail(opts: MessageOptions & { html: string }): string {
  const sig = signatureOf(opts);
  const sigHtml = sig === null ? '' : `<div class="signature">-- <br>${htmlLines(sig)}</div>`;
  const html =
    `<!DOCTYPE html><html><head><meta charset="utf-8"><style>p { margin: 0 0 1em; } .signature { color: #777; }</style></head>` +
    `<body>${opts.html}${sigHtml}</body></html>\n`;
  return message(topHeaders(opts, { client: ['X-Mailer: Omnigate Test Web Form 1.0'] }), textPart('html', html));
}

// ------------------------------------------------------------------------------------ attachments

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const b of data) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A valid, solid-colour RGB PNG. */
export function makePng(width: number, height: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter method, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}

/** A small PDF-looking file with a binary stream (all 256 byte values) in it. */
function makePdfLike(): Buffer {
  return Buffer.concat([
    Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< /Length 256 >>\nstream\n', 'latin1'),
    Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
    Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n', 'latin1'),
  ]);
}

export interface FixtureAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Content-ID without brackets, for inline parts. */
  cid?: string;
}

/** The files attachmentsMail() carries, to compare what the channel stored against. */
export const FIXTURE_ATTACHMENTS = {
  inlineImage: { filename: 'logo.png', contentType: 'image/png', content: makePng(4, 4, [0x1a, 0x73, 0xe8]), cid: 'logo.1a73e8@omnigate.test' },
  png: { filename: 'screenshot.png', contentType: 'image/png', content: makePng(2, 3, [0xe8, 0x1a, 0x1a]) },
  pdf: { filename: 'invoice.pdf', contentType: 'application/pdf', content: makePdfLike() },
} as const satisfies Record<string, FixtureAttachment>;

function attachmentPart(a: FixtureAttachment, disposition: 'inline' | 'attachment'): Part {
  return {
    headers: [
      `Content-Type: ${a.contentType}; name="${a.filename}"`,
      `Content-Disposition: ${disposition}; filename="${a.filename}"`,
      'Content-Transfer-Encoding: base64',
      ...(a.cid ? [`Content-ID: <${a.cid}>`, `X-Attachment-Id: ${a.cid.split('@')[0]}`] : []),
    ],
    body: base64Lines(a.content),
  };
}

/**
 * multipart/mixed [ multipart/related [ multipart/alternative [text, html with
 * <img src="cid:...">], inline PNG ], PNG attachment, PDF attachment ] — see FIXTURE_ATTACHMENTS.
 */
export function attachmentsMail(opts: MessageOptions & { text: string }): string {
  const sig = signatureOf(opts);
  const { inlineImage, png, pdf } = FIXTURE_ATTACHMENTS;
  const plain = `${withSignature(opts.text, sig)}\n`;
  const html =
    `<div dir="ltr">${htmlLines(opts.text)}<br><img src="cid:${inlineImage.cid}" alt="logo" width="4" height="4"><br>` +
    `${sig === null ? '' : `-- <br>${htmlLines(sig)}`}</div>\n`;
  const alt = multipart('alternative', boundary(opts.messageId, 'alt', (h) => `000000000000${h.slice(0, 16)}`), [textPart('plain', plain), textPart('html', html)]);
  const related = multipart('related', boundary(opts.messageId, 'rel', (h) => `000000000000${h.slice(0, 16)}`), [alt, attachmentPart(inlineImage, 'inline')]);
  const mixed = multipart('mixed', boundary(opts.messageId, 'mixed', (h) => `000000000000${h.slice(0, 16)}`), [
    related,
    attachmentPart(png, 'attachment'),
    attachmentPart(pdf, 'attachment'),
  ]);
  return message(topHeaders(opts), mixed);
}

// ------------------------------------------------------------------------------------ charsets

const reverseMaps = new Map<string, Map<string, Buffer>>();

/** Encodes text into a legacy charset (Node only decodes them: build the reverse table once). */
export function encodeCharset(text: string, charset: 'iso-8859-1' | 'windows-1251' | 'shift_jis'): Buffer {
  if (charset === 'iso-8859-1') {
    if ([...text].some((ch) => ch.charCodeAt(0) > 0xff)) throw new Error(`not representable in ISO-8859-1: ${text}`);
    return Buffer.from(text, 'latin1');
  }
  let map = reverseMaps.get(charset);
  if (!map) {
    map = new Map();
    const decoder = new TextDecoder(charset, { fatal: true });
    const add = (bytes: number[]) => {
      let ch: string;
      try {
        ch = decoder.decode(Uint8Array.from(bytes));
      } catch {
        return;
      }
      if ([...ch].length === 1 && ch !== '\ufffd' && !map?.has(ch)) map?.set(ch, Buffer.from(bytes));
    };
    for (let b = 0; b < 0x80; b++) add([b]);
    if (charset === 'windows-1251') for (let b = 0x80; b <= 0xff; b++) add([b]);
    else {
      for (let b = 0xa1; b <= 0xdf; b++) add([b]);
      for (let lead = 0x81; lead <= 0xfc; lead++) {
        if (lead > 0x9f && lead < 0xe0) continue;
        for (let trail = 0x40; trail <= 0xfc; trail++) if (trail !== 0x7f) add([lead, trail]);
      }
    }
    reverseMaps.set(charset, map);
  }
  return Buffer.concat([...text].map((ch) => {
    const bytes = map?.get(ch);
    if (!bytes) throw new Error(`not representable in ${charset}: ${JSON.stringify(ch)}`);
    return bytes;
  }));
}

/** Legacy-charset header text as RFC 2047 B-words, cut between characters. */
function legacyHeaderText(text: string, charset: 'windows-1251' | 'shift_jis'): string {
  const words: string[] = [];
  let chunk: Buffer[] = [];
  let size = 0;
  for (const ch of text) {
    const bytes = encodeCharset(ch, charset);
    if (size + bytes.length > 30) {
      words.push(encodedWord(Buffer.concat(chunk), charset === 'shift_jis' ? 'Shift_JIS' : 'windows-1251'));
      chunk = [];
      size = 0;
    }
    chunk.push(bytes);
    size += bytes.length;
  }
  if (chunk.length > 0) words.push(encodedWord(Buffer.concat(chunk), charset === 'shift_jis' ? 'Shift_JIS' : 'windows-1251'));
  return words.join(`${CRLF} `);
}

export const NON_UTF8_DEFAULTS = {
  /** The body; ISO-8859-1 quoted-printable on the wire (é is =E9). */
  text: "Bonjour,\n\nJe n'ai pas reçu ma commande numéro 4711. Pourriez-vous vérifier ?\n\nMerci d'avance,\nRené",
  subjects: { 'windows-1251': 'Вопрос по заказу 4711', shift_jis: 'ご注文についてのお問い合わせ' },
} as const;

/**
 * A mail in legacy charsets, as older clients send: body text/plain; charset=ISO-8859-1,
 * quoted-printable (é → =E9); Subject in windows-1251 (default) or Shift_JIS as RFC 2047 B-words;
 * sender name ISO-8859-1 Q-encoded. `text` must fit ISO-8859-1; `subject` the subject charset.
 */
export function nonUtf8Mail(
  opts: Omit<MessageOptions, 'subject'> & { subject?: string; text?: string; subjectCharset?: 'windows-1251' | 'shift_jis' },
): string {
  const subjectCharset = opts.subjectCharset ?? 'windows-1251';
  const subject = opts.subject ?? NON_UTF8_DEFAULTS.subjects[subjectCharset];
  const text = withSignature(opts.text ?? NON_UTF8_DEFAULTS.text, signatureOf({ ...opts, subject }));
  const { name, address } = parseAddress(opts.from);
  const from = name ? `${isAscii(name) ? name : encodedWord(encodeCharset(name, 'iso-8859-1'), 'ISO-8859-1', 'Q')} <${address}>` : address;
  const headers = topHeaders({ ...opts, subject: '' }, { client: ['X-Mailer: Microsoft Outlook Express 6.00.2900.5931'] }).map((h) => {
    if (h.startsWith('Subject: ')) return `Subject: ${legacyHeaderText(subject, subjectCharset)}`;
    if (h.startsWith('From: ')) return `From: ${from}`;
    return h;
  });
  return message(headers, {
    headers: ['Content-Type: text/plain; charset="iso-8859-1"', 'Content-Transfer-Encoding: quoted-printable'],
    body: quotedPrintable(`${text}\n`, (s) => encodeCharset(s, 'iso-8859-1')),
  });
}

// ------------------------------------------------------------------------------------ machine mail

/** Which header marks the auto-reply (one each, so each signal can be tested alone). */
export type AutoReplySignal = 'auto-submitted' | 'x-autoreply' | 'precedence-bulk' | 'list-id';

const AUTO_REPLY_HEADERS: Record<AutoReplySignal, string[]> = {
  'auto-submitted': ['Auto-Submitted: auto-replied'],
  'x-autoreply': ['X-Autoreply: yes'],
  'precedence-bulk': ['Precedence: bulk'],
  'list-id': ['List-Id: Omnigate customers <customers.lists.example.com>', 'List-Unsubscribe: <mailto:customers-unsubscribe@lists.example.com>'],
};

/** Out-of-office style auto-reply, marked by the given signals (default: Auto-Submitted only). */
export function autoReply(opts: MessageOptions & { text?: string; signals?: AutoReplySignal[] }): string {
  const signals = opts.signals ?? ['auto-submitted'];
  const text = opts.text ?? 'Thank you for your message. I am out of the office until Monday, 12 January, with no access to email.';
  const headers = topHeaders(opts, { client: signals.flatMap((s) => AUTO_REPLY_HEADERS[s]) });
  return message(headers, textPart('plain', withSignature(text, signatureOf(opts))));
}

export interface BounceOptions {
  /** Who gets the bounce: the original sender. */
  to: AddressInput;
  messageId: string;
  date?: Date;
  /** The message that could not be delivered. */
  original: { from: AddressInput; to: AddressInput; subject: string; messageId: string; date?: Date; text?: string };
  /** Default: the original's To address. */
  failedRecipient?: string;
  /** 'failed' (5.x.x, default) or 'delayed' (4.x.x, a warning, not a final bounce). */
  action?: 'failed' | 'delayed';
  /** Default 5.1.1 (failed) / 4.4.1 (delayed). */
  status?: string;
  diagnostic?: string;
  /** How the original comes back: its headers only (text/rfc822-headers, default) or whole (message/rfc822). */
  include?: 'headers' | 'message';
  reportingMta?: string;
}

/**
 * A Postfix-style delivery status notification (RFC 3464): multipart/report;
 * report-type=delivery-status with a human part, a message/delivery-status part and the
 * original (headers), Return-Path: <>, From MAILER-DAEMON.
 */
export function bounce(opts: BounceOptions): string {
  const mta = opts.reportingMta ?? 'mx.example.net';
  const action = opts.action ?? 'failed';
  const recipient = opts.failedRecipient ?? parseAddress(opts.original.to).address;
  const status = opts.status ?? (action === 'failed' ? '5.1.1' : '4.4.1');
  const diagnostic =
    opts.diagnostic ?? (action === 'failed' ? `smtp; 550 5.1.1 <${recipient}>: Recipient address rejected: User unknown in virtual mailbox table` : 'smtp; 421 4.4.1 Connection timed out');
  const date = opts.date ?? DEFAULT_DATE;
  const originalDate = opts.original.date ?? new Date(date.getTime() - 60_000);
  const queueId = createHash('sha256').update(opts.messageId).digest('hex').slice(0, 10).toUpperCase();

  const human = action === 'failed'
    ? `This is the mail system at host ${mta}.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. It's attached below.\n\nFor further assistance, please send mail to postmaster.\n\nIf you do so, please include this problem report. You can\ndelete your own text from the attached returned message.\n\n                   The mail system\n\n<${recipient}>: host ${mta}[192.0.2.25] said: 550 5.1.1\n    <${recipient}>: Recipient address rejected: User unknown (in reply to RCPT TO\n    command)\n`
    : `This is the mail system at host ${mta}.\n\n####################################################################\n# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n####################################################################\n\nYour message could not be delivered for 4 hours.\nIt will be retried until it is 5 days old.\n`;
  const dsn = [
    `Reporting-MTA: dns; ${mta}`,
    `X-Postfix-Queue-ID: ${queueId}`,
    `X-Postfix-Sender: rfc822; ${parseAddress(opts.original.from).address}`,
    `Arrival-Date: ${rfc5322Date(originalDate)}`,
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Original-Recipient: rfc822;${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    `Remote-MTA: dns; ${mta}`,
    `Diagnostic-Code: ${diagnostic}`,
    ...(action === 'delayed' ? [`Will-Retry-Until: ${rfc5322Date(new Date(date.getTime() + 5 * 86_400_000))}`] : []),
    '',
  ].join('\n');

  const originalMail = plainMail({
    from: opts.original.from,
    to: opts.original.to,
    subject: opts.original.subject,
    messageId: opts.original.messageId,
    date: originalDate,
    text: opts.original.text ?? 'Hello, this is the message that bounced.',
  });
  const originalWithTrace =
    `Return-Path: <${parseAddress(opts.original.from).address}>\r\n` +
    `Received: from omnigate.test (omnigate.test [198.51.100.7])\r\n\tby ${mta} (Postfix) with ESMTPS id ${queueId}\r\n\tfor <${recipient}>; ${rfc5322Date(originalDate)}\r\n` +
    originalMail;
  const returned: Part =
    opts.include === 'message'
      ? { headers: ['Content-Description: Undelivered Message', 'Content-Type: message/rfc822'], body: originalWithTrace.replace(/\r\n$/, '') }
      : {
          headers: ['Content-Description: Undelivered Message Headers', 'Content-Type: text/rfc822-headers'],
          // The header block with its terminating CRLF (the one before the boundary is the boundary's).
          body: originalWithTrace.slice(0, originalWithTrace.indexOf('\r\n\r\n') + 2),
        };
  const report = multipart(
    'report',
    `${queueId}.${Math.floor(date.getTime() / 1000)}/${mta}`,
    [
      { headers: ['Content-Description: Notification', 'Content-Type: text/plain; charset=us-ascii'], body: crlf(human) },
      { headers: ['Content-Description: Delivery report', 'Content-Type: message/delivery-status'], body: crlf(dsn) },
      returned,
    ],
    '; report-type=delivery-status',
    'This is a MIME-encapsulated message.',
  );
  const headers = [
    'Return-Path: <>',
    `From: MAILER-DAEMON@${mta} (Mail Delivery System)`,
    `To: ${formatAddress(opts.to)}`,
    `Subject: ${action === 'failed' ? 'Undelivered Mail Returned to Sender' : 'Delayed Mail (still being retried)'}`,
    `Date: ${rfc5322Date(date)}`,
    `Message-ID: ${angle(opts.messageId)}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
  ];
  return message(headers, report);
}
