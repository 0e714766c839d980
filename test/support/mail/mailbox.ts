import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { ImapFlow, MessageEnvelopeObject } from 'imapflow';
import { imapClient, imapConfig, resolveUser, type UserRef } from './mail-servers.js';

/** Test-side access to the Dovecot mailboxes of TEST_USERS (each call: connect, work, log out). */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SERVICES_SH = `${ROOT}scripts/services.sh`;
/** The config scripts/services.sh generates for its Dovecot; doveadm needs it. */
export const DOVECOT_CONF = `${ROOT}.data/dovecot/dovecot.conf`;

export interface MailboxEntry {
  uid: number;
  flags: string[];
  envelope: MessageEnvelopeObject | undefined;
  /** From the envelope, with angle brackets as in the header. */
  messageId: string | undefined;
  subject: string | undefined;
  internalDate: Date | undefined;
}

/** Runs fn with a connected client logged in as user; always logs out. */
export async function withImap<T>(user: UserRef, fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = imapClient(user);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** APPENDs a raw RFC 5322 message as that user; returns its UID (Dovecot has UIDPLUS). */
export async function appendRaw(
  user: UserRef,
  raw: string | Buffer,
  mailbox = 'INBOX',
  options: { flags?: string[]; date?: Date } = {},
): Promise<number> {
  return withImap(user, async (client) => {
    const res = await client.append(mailbox, typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw, options.flags, options.date);
    if (!res || res.uid === undefined) throw new Error(`APPEND to ${mailbox} as ${resolveUser(user).address} returned no UID`);
    return res.uid;
  });
}

/** Every message in the mailbox, in UID order. */
export async function listMailbox(user: UserRef, mailbox = 'INBOX'): Promise<MailboxEntry[]> {
  return withImap(user, async (client) => {
    const box = await client.mailboxOpen(mailbox, { readOnly: true });
    if (box.exists === 0) return [];
    const entries: MailboxEntry[] = [];
    for await (const msg of client.fetch('1:*', { uid: true, flags: true, envelope: true, internalDate: true })) {
      const internalDate = msg.internalDate === undefined ? undefined : new Date(msg.internalDate);
      entries.push({
        uid: msg.uid,
        flags: [...(msg.flags ?? [])],
        envelope: msg.envelope,
        messageId: msg.envelope?.messageId,
        subject: msg.envelope?.subject,
        internalDate,
      });
    }
    return entries.sort((a, b) => a.uid - b.uid);
  });
}

/** The raw bytes of one message, by UID. */
export async function fetchRaw(user: UserRef, mailbox: string, uid: number): Promise<Buffer> {
  return withImap(user, async (client) => {
    await client.mailboxOpen(mailbox, { readOnly: true });
    const msg = await client.fetchOne(String(uid), { source: true }, { uid: true });
    if (!msg || !msg.source) throw new Error(`no message with UID ${uid} in ${mailbox}`);
    return msg.source;
  });
}

/** Polls until some entry matches (e.g. the Sent copy of a reply); returns all entries then. */
export async function waitForMailbox(
  user: UserRef,
  mailbox: string,
  predicate: (entries: MailboxEntry[]) => boolean,
  timeoutMs = 10_000,
): Promise<MailboxEntry[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entries = await listMailbox(user, mailbox);
    if (predicate(entries)) return entries;
    if (Date.now() >= deadline) {
      throw new Error(`${mailbox} of ${resolveUser(user).address} did not reach the expected state within ${timeoutMs} ms (${entries.length} messages)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Deletes every message (STORE \Deleted + EXPUNGE); UIDVALIDITY and UIDNEXT stay. */
export async function clearMailbox(user: UserRef, mailbox = 'INBOX'): Promise<void> {
  await withImap(user, async (client) => {
    const box = await client.mailboxOpen(mailbox);
    if (box.exists > 0) await client.messageDelete('1:*');
  });
}

/** The mailbox's current UIDVALIDITY, as a plain number (the channel's cursor keeps numbers). */
export async function uidValidity(user: UserRef, mailbox = 'INBOX'): Promise<number> {
  return withImap(user, async (client) => {
    const status = await client.status(mailbox, { uidValidity: true });
    if (!status || status.uidValidity === undefined) throw new Error(`STATUS ${mailbox} returned no UIDVALIDITY`);
    return Number(status.uidValidity);
  });
}

/**
 * Deletes the mailbox (with its messages) and creates it again: it comes back empty with a new
 * UIDVALIDITY, which is returned. INBOX cannot be deleted: for it, this is resetUidValidity().
 */
export async function recreateMailbox(user: UserRef, mailbox: string): Promise<number> {
  if (mailbox.toUpperCase() === 'INBOX') {
    await clearMailbox(user, 'INBOX');
    return resetUidValidity(user, 'INBOX');
  }
  const before = await uidValidity(user, mailbox).catch(() => undefined);
  await withImap(user, async (client) => {
    await client.mailboxDelete(mailbox).catch((err: unknown) => {
      if (!/NONEXISTENT|doesn't exist|not exist/i.test(String((err as { responseText?: string }).responseText ?? err))) throw err;
    });
    // Sent/Drafts/Trash are auto-created by Dovecot, maybe already again by now: then CREATE
    // answers ALREADYEXISTS and imapflow reports created: false, which is fine.
    await client.mailboxCreate(mailbox);
  });
  const after = await uidValidity(user, mailbox);
  if (after === before) throw new Error(`recreating ${mailbox} kept UIDVALIDITY ${after}`);
  return after;
}

/**
 * Gives the mailbox (default INBOX) a new, higher UIDVALIDITY without touching its messages,
 * like a server that rebuilt its index: `doveadm mailbox update --uid-validity`, run against
 * the Dovecot of scripts/services.sh (needs its config, so not with a caller's IMAP_HOST).
 * Returns the new value. Sessions that have the mailbox selected get `* BYE IMAP session state is
 * inconsistent, please relogin.` at their next command, or in IDLE when the mailbox next changes
 * (e.g. an appendRaw); an IDLE with no further change notices nothing until then.
 */
export async function resetUidValidity(user: UserRef, mailbox = 'INBOX'): Promise<number> {
  if (!ownDovecot()) throw new Error(`resetUidValidity needs the Dovecot of scripts/services.sh, not IMAP_HOST=${process.env.IMAP_HOST}`);
  if (!existsSync(DOVECOT_CONF)) throw new Error(`${DOVECOT_CONF} not found; run: bash scripts/services.sh start-imap`);
  const current = await uidValidity(user, mailbox);
  // UIDVALIDITY is a non-zero 32-bit number that must only grow (RFC 3501 2.3.1.1).
  const next = Math.max(current + 1, Math.floor(Date.now() / 1000));
  if (next > 0xffffffff) throw new Error(`cannot raise UIDVALIDITY ${current} any further`);
  await run('doveadm', ['-c', DOVECOT_CONF, 'mailbox', 'update', '-u', resolveUser(user).user, '--uid-validity', String(next), mailbox], {
    timeout: 30_000,
  });
  const after = await uidValidity(user, mailbox);
  if (after !== next) throw new Error(`doveadm mailbox update left UIDVALIDITY at ${after}, wanted ${next}`);
  return after;
}

/** IMAP_HOST unset or loopback: the Dovecot is the one scripts/services.sh manages. */
function ownDovecot(): boolean {
  const host = process.env.IMAP_HOST;
  return !host || host === '127.0.0.1' || host === 'localhost';
}

async function services(subcommand: 'restart-imap' | 'stop-imap' | 'start-imap'): Promise<void> {
  if (!ownDovecot()) throw new Error(`${subcommand}: IMAP_HOST=${process.env.IMAP_HOST} is not the Dovecot of scripts/services.sh`);
  // `eval "$(scripts/services.sh env)"` exports IMAP_HOST=127.0.0.1, which services.sh reads as
  // "caller-provided server, manage nothing"; for our own loopback Dovecot, drop it.
  const env = { ...process.env };
  delete env.IMAP_HOST;
  try {
    await run('bash', [SERVICES_SH, subcommand], { cwd: ROOT, env, timeout: 120_000 });
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    throw new Error(`scripts/services.sh ${subcommand} failed: ${stderr?.trim() || (err as Error).message}`);
  }
}

/**
 * Stops and starts Dovecot (mail is kept). Sessions get `* BYE` and a closed socket; the port is
 * closed for a short moment. Affects every test that uses IMAP at the same time.
 */
export function restartImap(): Promise<void> {
  return services('restart-imap');
}

/** Stops Dovecot (connections refused until startImap). */
export function stopImap(): Promise<void> {
  return services('stop-imap');
}

/** Starts Dovecot again; resolves once it greets with `* OK`. */
export function startImap(): Promise<void> {
  return services('start-imap');
}

/**
 * Simulates a crash: SIGKILL to Dovecot's whole process group, so sessions see their socket
 * closed without `* BYE` (restartImap is the orderly variant). Resolves once the port is closed;
 * bring it back with startImap().
 */
export async function crashImap(): Promise<void> {
  if (!ownDovecot()) throw new Error(`crashImap: IMAP_HOST=${process.env.IMAP_HOST} is not the Dovecot of scripts/services.sh`);
  const pid = Number(readFileSync(`${ROOT}.data/dovecot/run/master.pid`, 'utf8').trim());
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  if (!cmdline.includes(DOVECOT_CONF)) throw new Error(`pid ${pid} is not our Dovecot (${cmdline.trim()})`);
  process.kill(-pid, 'SIGKILL'); // the master leads the process group of all Dovecot processes
  const { host, port } = imapConfig();
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (!open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`IMAP port ${port} still open 10 s after killing Dovecot`);
}
