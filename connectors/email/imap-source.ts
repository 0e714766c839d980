/**
 * The bytes the IMAP watcher records for one message: the raw RFC 5322 source as fetched, with
 * one routing header in front. Deterministic (same message, same account → same bytes), so the
 * core's dedup on the bytes holds across refetches.
 */

export const ACCOUNT_HEADER = 'X-Omnigate-Account';

/** Header renamed when a sender supplies their own X-Omnigate-Account, so routing cannot be spoofed. */
export const UNTRUSTED_ACCOUNT_HEADER = 'X-Omnigate-Untrusted-Account';

const CRLF = Buffer.from('\r\n');
const LF = 0x0a;

/** Where the header section ends (index of the first byte of the empty line), or the buffer's end. */
function headerEnd(source: Buffer): number {
  const crlf = source.indexOf('\r\n\r\n');
  const lf = source.indexOf('\n\n');
  if (crlf === -1 && lf === -1) return source.length;
  if (crlf === -1) return lf + 1;
  if (lf === -1) return crlf + 2;
  return Math.min(crlf + 2, lf + 1);
}

/**
 * Renames any X-Omnigate-Account field the message already carries (only in its header
 * section, only at a field start), so the one we prepend is the only one a parser can see.
 * Returns the input buffer untouched when there is nothing to rename.
 */
function neutralizeForeignAccountHeaders(source: Buffer): Buffer {
  const end = headerEnd(source);
  const name = ACCOUNT_HEADER.toLowerCase();
  const starts: number[] = [];
  for (let lineStart = 0; lineStart < end; ) {
    const candidate = source.subarray(lineStart, Math.min(lineStart + name.length + 64, end)).toString('latin1').toLowerCase();
    if (candidate.startsWith(name) && /^[ \t]*:/.test(candidate.slice(name.length))) starts.push(lineStart);
    const next = source.indexOf(LF, lineStart);
    if (next === -1) break;
    lineStart = next + 1;
  }
  if (starts.length === 0) return source;
  const parts: Buffer[] = [];
  let from = 0;
  for (const at of starts) {
    parts.push(source.subarray(from, at), Buffer.from(UNTRUSTED_ACCOUNT_HEADER, 'latin1'));
    from = at + ACCOUNT_HEADER.length;
  }
  parts.push(source.subarray(from));
  return Buffer.concat(parts);
}

/** `X-Omnigate-Account: <address lowercased>\r\n` + the message source. */
export function withAccountHeader(source: Buffer, address: string): Buffer {
  const account = address.trim().toLowerCase().replace(/[\r\n]/g, '');
  return Buffer.concat([Buffer.from(`${ACCOUNT_HEADER}: ${account}`, 'utf8'), CRLF, neutralizeForeignAccountHeaders(source)]);
}
