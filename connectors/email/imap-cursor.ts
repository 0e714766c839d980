/**
 * The IMAP pull position and the decisions taken from it (RFC 3501/9051 §2.3.1.1): UIDs only
 * grow inside one UIDVALIDITY, so (mailbox, UIDVALIDITY, last UID) says exactly what was taken.
 */

/** What the watcher persists through PullSink.saveCursor. Plain JSON numbers (UIDVALIDITY is 32-bit). */
export interface ImapCursor {
  mailbox: string;
  uidValidity: number;
  lastUid: number;
}

const MAX_UINT32 = 0xffff_ffff;

function toUint32(value: unknown, allowZero: boolean): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && /^\d+$/.test(value)) n = Number(value);
  else return null;
  if (!Number.isSafeInteger(n) || n > MAX_UINT32 || n < (allowZero ? 0 : 1)) return null;
  return n;
}

/**
 * Reads a stored cursor; null when there is none or it cannot be trusted (then the watcher
 * resyncs, which is safe: recording is idempotent and the core dedups on Message-ID).
 */
export function parseCursor(raw: Record<string, unknown> | null | undefined): ImapCursor | null {
  if (!raw) return null;
  const mailbox = raw.mailbox;
  const uidValidity = toUint32(raw.uidValidity, false);
  const lastUid = toUint32(raw.lastUid, true);
  if (typeof mailbox !== 'string' || mailbox.length === 0 || uidValidity === null || lastUid === null) return null;
  return { mailbox, uidValidity, lastUid };
}

/** imapflow reports UIDVALIDITY as a bigint; the cursor keeps a JSON-safe number. */
export function uidValidityOf(value: bigint | number): number {
  const n = toUint32(value, false);
  if (n === null) throw new Error(`IMAP server sent an invalid UIDVALIDITY: ${String(value)}`);
  return n;
}

export type CursorPlan =
  | { resync: false; cursor: ImapCursor }
  | { resync: true; reason: 'no-cursor' | 'mailbox-changed' | 'uidvalidity-changed'; previous: ImapCursor | null; cursor: ImapCursor };

/**
 * Same mailbox and UIDVALIDITY: continue after lastUid. Otherwise the old UIDs mean nothing any
 * more: start over from UID 1 under the new UIDVALIDITY.
 */
export function planCursor(stored: ImapCursor | null, mailbox: string, uidValidity: number): CursorPlan {
  if (stored && stored.mailbox === mailbox && stored.uidValidity === uidValidity) return { resync: false, cursor: stored };
  const reason = !stored ? 'no-cursor' : stored.mailbox !== mailbox ? 'mailbox-changed' : 'uidvalidity-changed';
  return { resync: true, reason, previous: stored, cursor: { mailbox, uidValidity, lastUid: 0 } };
}

/** The UID FETCH range for everything after the cursor. `n:*` also matches the newest message when nothing is newer. */
export function rangeAfter(lastUid: number): string {
  return `${lastUid + 1}:*`;
}

/**
 * The UIDs to take, ascending, without duplicates: `n:*` always returns the newest message
 * (RFC 3501 §6.4.8: "3291:*" includes the last UID even if lower than 3291), so anything at or
 * below lastUid is dropped.
 */
export function uidsAfter(uids: Iterable<number>, lastUid: number): number[] {
  return [...new Set(uids)].filter((uid) => Number.isSafeInteger(uid) && uid > lastUid).sort((a, b) => a - b);
}
