import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { ImapFlow } from 'imapflow';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChannelAccess, PullHandle, PullSink } from '../contract.js';
import { assertImapReachable, imapConfig, TEST_USERS, uniqueMessageId } from '../../test/support/mail/mail-servers.js';
import { appendRaw, fetchRaw, listMailbox, recreateMailbox, resetUidValidity, restartImap, uidValidity, withImap } from '../../test/support/mail/mailbox.js';
import { parseCursor, planCursor, rangeAfter, uidsAfter, uidValidityOf } from './imap-cursor.js';
import { UNTRUSTED_ACCOUNT_HEADER, withAccountHeader } from './imap-source.js';
import { isAuthenticationFailure, serverText, startImapPull } from './pull.js';
import type { EmailSecrets, EmailSettings } from './settings.js';

// ------------------------------------------------------------------------------------ helpers

const SUPPORT = TEST_USERS.support;
/** Mixed case on purpose: the routing header carries it lowercased. */
const CHANNEL_ADDRESS = 'Support@Omnigate.TEST';
const ACCOUNT_LINE = 'X-Omnigate-Account: support@omnigate.test\r\n';
/** Short, so that reconnects and retries happen within a test. */
const FAST = { reconnectDelaysMs: [100, 200, 400, 800], authRetryDelayMs: 300 };

interface RecordCall {
  raw: Buffer;
  contentType: string;
  ok: boolean;
}

/** The core's side, in memory: records bytes, keeps the cursor, notes states and logs. */
class MemorySink implements PullSink {
  readonly calls: RecordCall[] = [];
  readonly states: Array<{ state: 'active' | 'error'; reason?: string }> = [];
  readonly savedCursors: Array<Record<string, unknown>> = [];
  readonly logs: Array<{ level: 'info' | 'warn' | 'error'; msg: string; obj: object }> = [];
  cursor: Record<string, unknown> | null = null;
  /** Makes the next n record calls fail (the store briefly down). */
  failRecords = 0;
  failLoadCursor = 0;
  /** Set to throw from record after stop, to prove nothing is recorded then. */
  closed = false;
  /** A slow store: each record takes this long. */
  recordDelayMs = 0;
  recordsStarted = 0;

  readonly logger = {
    info: (obj: object, msg: string) => this.logs.push({ level: 'info', msg, obj }),
    warn: (obj: object, msg: string) => this.logs.push({ level: 'warn', msg, obj }),
    error: (obj: object, msg: string) => this.logs.push({ level: 'error', msg, obj }),
  };

  async record(raw: Buffer, contentType: string): Promise<void> {
    if (this.closed) throw new Error('record called after stop()');
    this.recordsStarted += 1;
    if (this.recordDelayMs > 0) await sleep(this.recordDelayMs);
    if (this.failRecords > 0) {
      this.failRecords -= 1;
      this.calls.push({ raw, contentType, ok: false });
      throw new Error('store unavailable');
    }
    this.calls.push({ raw, contentType, ok: true });
  }

  async loadCursor(): Promise<Record<string, unknown> | null> {
    if (this.failLoadCursor > 0) {
      this.failLoadCursor -= 1;
      throw new Error('store unavailable');
    }
    return this.cursor === null ? null : { ...this.cursor };
  }

  async saveCursor(cursor: Record<string, unknown>): Promise<void> {
    // What a real store keeps: JSON (a bigint would throw here).
    this.cursor = JSON.parse(JSON.stringify(cursor)) as Record<string, unknown>;
    this.savedCursors.push(this.cursor);
  }

  async reportState(state: 'active' | 'error', reason?: string): Promise<void> {
    this.states.push(reason === undefined ? { state } : { state, reason });
  }

  /** Successfully recorded messages, as Message-IDs, in order. */
  get recordedIds(): string[] {
    return this.calls.filter((c) => c.ok).map((c) => messageIdOf(c.raw));
  }
}

function messageIdOf(raw: Buffer): string {
  const match = /^Message-ID:\s*(<[^>]+>)/im.exec(raw.toString('latin1'));
  if (!match?.[1]) throw new Error(`no Message-ID in recorded bytes: ${raw.toString('latin1').slice(0, 200)}`);
  return match[1];
}

function mail(subject: string): { id: string; raw: string } {
  const id = uniqueMessageId();
  const raw = [
    `From: ${TEST_USERS.customer.name} <${TEST_USERS.customer.address}>`,
    `To: ${SUPPORT.name} <${SUPPORT.address}>`,
    `Subject: ${subject}`,
    `Message-ID: ${id}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Hello, this is ${subject}.`,
    '',
  ].join('\r\n');
  return { id, raw };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<number> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A TCP proxy in front of Dovecot that the test can break like a network or a server does:
 * down() resets every connection and refuses new ones (a server restart), blackhole() keeps the
 * sockets open but lets nothing through (a half-open connection after a crash or NAT timeout).
 */
class FlakyProxy {
  private server: net.Server | null = null;
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private blackholed = false;
  port = 0;
  connections = 0;

  async up(): Promise<void> {
    const { host, port } = imapConfig();
    this.blackholed = false;
    const server = net.createServer((client) => {
      this.connections += 1;
      const upstream = net.connect({ host, port });
      const pair = { client, upstream };
      this.pairs.add(pair);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.on('data', (chunk: Buffer) => {
        if (!this.blackholed) upstream.write(chunk);
      });
      upstream.on('data', (chunk: Buffer) => {
        if (!this.blackholed) client.write(chunk);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    this.port = address.port;
  }

  async down(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.pairs.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  blackhole(): void {
    this.blackholed = true;
  }
}

const proxies: FlakyProxy[] = [];

async function proxy(): Promise<FlakyProxy> {
  const p = new FlakyProxy();
  proxies.push(p);
  await p.up();
  return p;
}

const mailboxes: string[] = [];
const handles: PullHandle[] = [];

/** A mailbox of its own per test, so tests (and other files using INBOX) don't see each other's mail. */
async function freshMailbox(): Promise<string> {
  const name = `pull-${randomUUID().slice(0, 8)}`;
  await withImap('support', (client) => client.mailboxCreate(name));
  mailboxes.push(name);
  return name;
}

async function append(mailbox: string, subject: string): Promise<{ id: string; uid: number }> {
  const m = mail(subject);
  return { id: m.id, uid: await appendRaw('support', m.raw, mailbox) };
}

function channel(mailbox: string, imap: Partial<EmailSettings['imap']> = {}, password: string = SUPPORT.password): ChannelAccess<EmailSettings, EmailSecrets> {
  const { host, port } = imapConfig();
  return {
    id: `ch_email_${randomUUID().slice(0, 8)}`,
    workspaceId: 'ws_test',
    webhookUrl: 'http://127.0.0.1/unused',
    settings: {
      address: CHANNEL_ADDRESS,
      imap: { host, port, secure: false, user: SUPPORT.user, mailbox, sentFolder: 'Sent', pollSeconds: 60, idleRestartSeconds: 540, ...imap },
      smtp: { host, port: 25, secure: false, user: SUPPORT.user },
    },
    secrets: { imapPassword: password, smtpPassword: SUPPORT.password },
  };
}

function start(ch: ChannelAccess<EmailSettings, EmailSecrets>, sink: MemorySink, opts: Parameters<typeof startImapPull>[2] = FAST): PullHandle {
  const handle = startImapPull(ch, sink, opts);
  handles.push(handle);
  return handle;
}

const connectedCount = (sink: MemorySink) => sink.logs.filter((l) => l.msg === 'IMAP connected').length;

afterEach(async () => {
  await Promise.all(handles.splice(0).map((h) => h.stop()));
  await Promise.all(proxies.splice(0).map((p) => p.down()));
  const names = mailboxes.splice(0);
  if (names.length > 0) {
    await withImap('support', async (client) => {
      for (const name of names) await client.mailboxDelete(name).catch(() => undefined);
    });
  }
});

// ----------------------------------------------------------------------- pure parts (no server)

describe('IMAP cursor and message bytes', () => {
  it('reads only trustworthy cursors', () => {
    expect(parseCursor({ mailbox: 'INBOX', uidValidity: 1795239724, lastUid: 7 })).toEqual({ mailbox: 'INBOX', uidValidity: 1795239724, lastUid: 7 });
    expect(parseCursor({ mailbox: 'INBOX', uidValidity: '42', lastUid: '0' })).toEqual({ mailbox: 'INBOX', uidValidity: 42, lastUid: 0 });
    expect(parseCursor(null)).toBeNull();
    expect(parseCursor({ mailbox: 'INBOX', uidValidity: 0, lastUid: 1 })).toBeNull();
    expect(parseCursor({ mailbox: 'INBOX', uidValidity: 2 ** 32, lastUid: 1 })).toBeNull();
    expect(parseCursor({ mailbox: 'INBOX', uidValidity: 5, lastUid: -1 })).toBeNull();
    expect(parseCursor({ uidValidity: 5, lastUid: 1 })).toBeNull();
    expect(uidValidityOf(1795239724n)).toBe(1795239724);
    expect(() => uidValidityOf(0n)).toThrow(/UIDVALIDITY/);
  });

  it('continues on the same UIDVALIDITY and resyncs on a new one, another mailbox or no cursor', () => {
    const stored = { mailbox: 'INBOX', uidValidity: 10, lastUid: 5 };
    expect(planCursor(stored, 'INBOX', 10)).toEqual({ resync: false, cursor: stored });
    expect(planCursor(stored, 'INBOX', 11)).toMatchObject({ resync: true, reason: 'uidvalidity-changed', cursor: { mailbox: 'INBOX', uidValidity: 11, lastUid: 0 } });
    expect(planCursor(stored, 'Support', 10)).toMatchObject({ resync: true, reason: 'mailbox-changed', cursor: { mailbox: 'Support', uidValidity: 10, lastUid: 0 } });
    expect(planCursor(null, 'INBOX', 10)).toMatchObject({ resync: true, reason: 'no-cursor', cursor: { lastUid: 0 } });
    expect(rangeAfter(0)).toBe('1:*');
    expect(rangeAfter(41)).toBe('42:*');
    // `42:*` returns the newest message (41) when nothing is newer: dropped.
    expect(uidsAfter([41], 41)).toEqual([]);
    expect(uidsAfter([44, 42, 42, 40], 41)).toEqual([42, 44]);
  });

  it('prepends exactly one routing header, deterministically, and defuses a sender-supplied one', () => {
    const source = Buffer.from('X-Omnigate-Account: victim@example.com\r\nSubject: hi\r\nx-omnigate-account : other@example.com\r\n\r\nX-Omnigate-Account: in the body stays\r\n');
    const a = withAccountHeader(source, ' Support@Omnigate.TEST ');
    const b = withAccountHeader(Buffer.from(source), 'support@omnigate.test');
    expect(a.equals(b)).toBe(true);
    const text = a.toString('latin1');
    expect(text.startsWith(ACCOUNT_LINE)).toBe(true);
    expect(text.match(/^x-omnigate-account\s*:/gim)).toHaveLength(2); // ours + the one in the body
    expect(text).toContain(`${UNTRUSTED_ACCOUNT_HEADER}: victim@example.com\r\n`);
    expect(text).toContain(`${UNTRUSTED_ACCOUNT_HEADER} : other@example.com\r\n`);
    expect(text.endsWith('\r\n\r\nX-Omnigate-Account: in the body stays\r\n')).toBe(true);

    const plain = Buffer.from('Subject: hi\r\n\r\nbody');
    expect(withAccountHeader(plain, 'a@b.c').equals(Buffer.concat([Buffer.from('X-Omnigate-Account: a@b.c\r\n'), plain]))).toBe(true);
  });

  it('recognizes imapflow authentication failures and keeps the server text', () => {
    const err = Object.assign(new Error('Command failed'), {
      authenticationFailed: true,
      serverResponseCode: 'AUTHENTICATIONFAILED',
      response: '2 NO [AUTHENTICATIONFAILED] Authentication failed.',
      responseText: 'Authentication failed.',
    });
    expect(isAuthenticationFailure(err)).toBe(true);
    expect(serverText(err)).toBe('Authentication failed.');
    expect(isAuthenticationFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(serverText(Object.assign(new Error('x'), { responseText: '[NONEXISTENT] Mailbox doesn\'t exist: X' }))).toBe("Mailbox doesn't exist: X");
  });
});

// ------------------------------------------------------------------------- against real Dovecot

describe('startImapPull against Dovecot', () => {
  beforeAll(async () => {
    await assertImapReachable();
  });

  it('syncs existing mail without marking it seen, then takes new mail via IDLE within 2 s', async () => {
    const box = await freshMailbox();
    const first = await append(box, 'first');
    const second = await append(box, 'second');
    const sink = new MemorySink();
    start(channel(box), sink);

    await waitFor(() => sink.recordedIds.length === 2, 'the initial sync');
    expect(sink.recordedIds).toEqual([first.id, second.id]);
    // Exactly the server's bytes behind our routing header.
    const raw = await fetchRaw('support', box, first.uid);
    expect(sink.calls[0]!.raw.equals(Buffer.concat([Buffer.from(ACCOUNT_LINE), raw]))).toBe(true);
    expect(sink.calls.every((c) => c.contentType === 'message/rfc822')).toBe(true);
    const validity = await uidValidity('support', box);
    expect(sink.cursor).toEqual({ mailbox: box, uidValidity: validity, lastUid: second.uid });
    expect(sink.states).toEqual([{ state: 'active' }]);
    // BODY.PEEK[] on EXAMINE: the customer's mail is still unread for humans using the mailbox.
    const entries = await listMailbox('support', box);
    expect(entries.map((e) => e.flags.includes('\\Seen'))).toEqual([false, false]);

    await sleep(300); // let it settle into IDLE
    const third = await append(box, 'third');
    const took = await waitFor(() => sink.recordedIds.length === 3, 'the IDLE notification', 2_000);
    expect(took).toBeLessThan(2_000);
    expect(sink.recordedIds).toEqual([first.id, second.id, third.id]);
    expect(sink.cursor).toMatchObject({ lastUid: third.uid });
    // Each UID recorded once, cursor saved after each record, in UID order.
    expect(sink.calls).toHaveLength(3);
    expect(sink.savedCursors.map((c) => c.lastUid)).toEqual([0, first.uid, second.uid, third.uid]);
  });

  it('resumes from the stored cursor: after a restart of the watcher exactly the two new mails are recorded', async () => {
    const box = await freshMailbox();
    const old = await append(box, 'old');
    const sink = new MemorySink();
    const first = start(channel(box), sink);
    await waitFor(() => sink.recordedIds.length === 1, 'the first sync');
    await first.stop();

    const a = await append(box, 'while stopped A');
    const b = await append(box, 'while stopped B');
    const callsBefore = sink.calls.length;
    start(channel(box), sink);
    await waitFor(() => sink.recordedIds.length === 3, 'the catch-up');
    await sleep(300);
    expect(sink.calls.slice(callsBefore).map((c) => messageIdOf(c.raw))).toEqual([a.id, b.id]);
    expect(sink.recordedIds).toEqual([old.id, a.id, b.id]);
    expect(sink.cursor).toMatchObject({ lastUid: b.uid });
  });

  it('records nothing when nothing is newer than the cursor (`n:*` returns the newest message)', async () => {
    const box = await freshMailbox();
    await append(box, 'already taken 1');
    const last = await append(box, 'already taken 2');
    const sink = new MemorySink();
    sink.cursor = { mailbox: box, uidValidity: await uidValidity('support', box), lastUid: last.uid };
    start(channel(box), sink);
    await waitFor(() => connectedCount(sink) === 1, 'the connection');
    await sleep(500);
    expect(sink.calls).toHaveLength(0);
    expect(sink.savedCursors).toHaveLength(0);

    // The pass ran (and IDLE followed it): only the genuinely new mail comes in.
    const fresh = await append(box, 'new');
    await waitFor(() => sink.calls.length === 1, 'the new mail', 3_000);
    expect(sink.recordedIds).toEqual([fresh.id]);
  });

  it('keeps the cursor when sink.record fails and records the message on the next pass', async () => {
    const box = await freshMailbox();
    const a = await append(box, 'A');
    const b = await append(box, 'B');
    const sink = new MemorySink();
    sink.failRecords = 2;
    start(channel(box), sink);

    await waitFor(() => sink.recordedIds.length === 2, 'the retried pass');
    // A failed twice (the pass stopped each time, B was not attempted), then A and B.
    expect(sink.calls.map((c) => [messageIdOf(c.raw), c.ok])).toEqual([
      [a.id, false],
      [a.id, false],
      [a.id, true],
      [b.id, true],
    ]);
    // The cursor never moved past A before A was recorded.
    expect(sink.savedCursors.map((c) => c.lastUid)).toEqual([0, a.uid, b.uid]);
    expect(sink.logs.filter((l) => l.msg.startsWith('IMAP pass stopped: store unavailable'))).toHaveLength(2);
    expect(sink.states).toEqual([{ state: 'active' }]);
    expect(connectedCount(sink)).toBe(1); // a store failure is not a reason to reconnect
  });

  it('survives a failing loadCursor: retries and then syncs', async () => {
    const box = await freshMailbox();
    const a = await append(box, 'A');
    const sink = new MemorySink();
    sink.failLoadCursor = 1;
    start(channel(box), sink);
    await waitFor(() => sink.recordedIds.length === 1, 'the sync after the store came back');
    expect(sink.recordedIds).toEqual([a.id]);
    expect(sink.logs.some((l) => l.level === 'warn' && l.msg.includes('store unavailable'))).toBe(true);
  });

  it('resyncs on a new UIDVALIDITY (mailbox recreated while stopped): records all, cursor takes the new value', async () => {
    const box = await freshMailbox();
    await append(box, 'before 1');
    await append(box, 'before 2');
    const sink = new MemorySink();
    const first = start(channel(box), sink);
    await waitFor(() => sink.recordedIds.length === 2, 'the first sync');
    await first.stop();
    const oldValidity = sink.cursor?.uidValidity;

    const newValidity = await recreateMailbox('support', box);
    expect(newValidity).not.toBe(oldValidity);
    // UIDs start over at 1: with the old cursor (lastUid 2), `3:*` would miss the first two.
    const again1 = await append(box, 'after 1');
    const again2 = await append(box, 'after 2');
    const again3 = await append(box, 'after 3');
    expect(again3.uid).toBe(3);

    start(channel(box), sink);
    await waitFor(() => sink.recordedIds.length === 5, 'the resync');
    expect(sink.recordedIds.slice(2)).toEqual([again1.id, again2.id, again3.id]);
    expect(sink.cursor).toEqual({ mailbox: box, uidValidity: newValidity, lastUid: again3.uid });
    expect(sink.logs.some((l) => l.msg.startsWith('IMAP resync') && (l.obj as { reason?: string }).reason === 'uidvalidity-changed')).toBe(true);
  });

  it('resyncs when UIDVALIDITY changes under a live session (server rebuilt its index)', async () => {
    const box = await freshMailbox();
    const a = await append(box, 'A');
    const b = await append(box, 'B');
    const sink = new MemorySink();
    // Dovecot notices the change at the next command: the NOOP of the IDLE restart (then BYE).
    start(channel(box, { idleRestartSeconds: 1 }), sink);
    await waitFor(() => sink.recordedIds.length === 2, 'the first sync');
    const oldValidity = sink.cursor?.uidValidity;

    const newValidity = await resetUidValidity('support', box);
    expect(newValidity).not.toBe(oldValidity);
    await waitFor(() => sink.recordedIds.length === 4, 'the resync of the same two messages', 8_000);
    // Duplicates are expected at this layer (record is idempotent on the bytes; the core dedups on Message-ID).
    expect(sink.recordedIds).toEqual([a.id, b.id, a.id, b.id]);
    expect(sink.calls[2]!.raw.equals(sink.calls[0]!.raw)).toBe(true);
    expect(sink.cursor).toEqual({ mailbox: box, uidValidity: newValidity, lastUid: b.uid });
  });

  it('reports a wrong password, never throws, keeps retrying, and recovers once the secret is fixed', async () => {
    const box = await freshMailbox();
    const a = await append(box, 'A');
    const sink = new MemorySink();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const ch = channel(box, {}, 'wrong-password');
      start(ch, sink);
      await waitFor(() => sink.logs.filter((l) => l.msg === 'IMAP authentication failed').length >= 2, 'two failed logins', 15_000);
      // One state change for repeated identical failures.
      expect(sink.states).toEqual([{ state: 'error', reason: 'IMAP authentication failed: Authentication failed.' }]);
      expect(sink.calls).toHaveLength(0);
      const logged = JSON.stringify(sink.logs);
      expect(logged).not.toContain('wrong-password');
      expect(sink.logs.find((l) => l.level === 'error')?.obj).toMatchObject({ channelId: ch.id });

      ch.secrets.imapPassword = SUPPORT.password; // the user fixes the secret
      await waitFor(() => sink.recordedIds.length === 1, 'the sync after the fix', 15_000);
      expect(sink.recordedIds).toEqual([a.id]);
      expect(sink.states.at(-1)).toEqual({ state: 'active' });
      expect(sink.states).toHaveLength(2);
      expect(JSON.stringify(sink.logs)).not.toContain(SUPPORT.password);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('reports a mailbox that does not exist', async () => {
    const sink = new MemorySink();
    start(channel('no-such-mailbox-here'), sink);
    await waitFor(() => sink.states.length === 1, 'the error state');
    expect(sink.states[0]).toEqual({ state: 'error', reason: expect.stringMatching(/^IMAP mailbox "no-such-mailbox-here" cannot be opened: .*exist/) });
  });

  it('reports an unreachable server and never throws', async () => {
    const sink = new MemorySink();
    start(channel('INBOX', { port: 1 }), sink);
    await waitFor(() => sink.states.length === 1, 'the error state');
    expect(sink.states[0]).toEqual({ state: 'error', reason: expect.stringMatching(/^IMAP server unreachable: .*ECONNREFUSED/) });
  });

  it('reconnects after a server restart during IDLE and picks up mail appended after it', async () => {
    const box = await freshMailbox();
    const a = await append(box, 'before restart');
    const p = await proxy(); // guarantees the drop: Dovecot 2.3 may leave running sessions alive across a restart
    const sink = new MemorySink();
    start(channel(box, { port: p.port }), sink);
    await waitFor(() => sink.recordedIds.length === 1, 'the first sync');
    await sleep(300); // idling

    await p.down(); // connections reset, new ones refused...
    await restartImap(); // ...while the real server restarts
    const b = await append(box, 'after restart');
    await sleep(500); // a few refused attempts
    await p.up();
    await waitFor(() => sink.recordedIds.length === 2, 'the mail after the restart', 10_000);
    expect(sink.recordedIds).toEqual([a.id, b.id]);
    expect(connectedCount(sink)).toBe(2);
    expect(sink.logs.some((l) => l.level === 'warn' && l.msg === 'IMAP connection closed, reconnecting')).toBe(true);
    expect(sink.logs.filter((l) => l.msg === 'IMAP connection failed, reconnecting').length).toBeGreaterThanOrEqual(1);
    expect(sink.states.at(-1)).toEqual({ state: 'active' });
    // A restart keeps UIDVALIDITY: the watcher continued from its cursor, no second resync.
    expect(sink.logs.filter((l) => l.msg.startsWith('IMAP resync'))).toHaveLength(1);
    expect(new Set(sink.savedCursors.map((c) => c.uidValidity)).size).toBe(1);
  });

  it('shows an outage as an error after repeated failures, and active again once the server is back', async () => {
    const box = await freshMailbox();
    const p = await proxy();
    const sink = new MemorySink();
    start(channel(box, { port: p.port }), sink, { reconnectDelaysMs: [50, 100, 150] });
    await waitFor(() => connectedCount(sink) === 1, 'the connection');
    await p.down();
    await waitFor(() => sink.states.length === 2, 'the error state', 5_000);
    expect(sink.states[1]).toEqual({ state: 'error', reason: expect.stringMatching(/^IMAP server unreachable: .*ECONNREFUSED/) });
    expect(sink.logs.filter((l) => l.msg === 'IMAP connection failed, reconnecting').length).toBeGreaterThanOrEqual(2); // not on the first refusal
    await p.up();
    const m = await append(box, 'after the outage');
    await waitFor(() => sink.recordedIds.length === 1, 'the mail after the outage', 5_000);
    expect(sink.recordedIds).toEqual([m.id]);
    expect(sink.states).toEqual([{ state: 'active' }, expect.objectContaining({ state: 'error' }), { state: 'active' }]);
  });

  it('detects a half-open connection with the NOOP of the IDLE restart and reconnects', async () => {
    const box = await freshMailbox();
    const p = await proxy();
    const sink = new MemorySink();
    start(channel(box, { port: p.port, idleRestartSeconds: 1 }), sink, { ...FAST, noopTimeoutMs: 500 });
    await waitFor(() => connectedCount(sink) === 1, 'the connection');
    p.blackhole(); // nothing gets through any more, no FIN, no RST
    await waitFor(() => sink.logs.some((l) => l.msg === 'IMAP fetch failed, reconnecting'), 'the dead-connection detection', 5_000).catch((err: Error) => {
      throw new Error(`${err.message}; logs: ${JSON.stringify(sink.logs.map((l) => [l.level, l.msg, l.obj]))}`);
    });
    expect(sink.logs.find((l) => l.msg === 'IMAP fetch failed, reconnecting')?.obj).toMatchObject({ err: expect.stringMatching(/NOOP within 500 ms/) });
    await p.down();
    await p.up();
    const m = await append(box, 'after the dead connection');
    await waitFor(() => sink.recordedIds.length === 1, 'the mail on the new connection', 5_000);
    expect(sink.recordedIds).toEqual([m.id]);
    expect(connectedCount(sink)).toBe(2);
  });

  it('re-issues IDLE every idleRestartSeconds and still gets new mail', async () => {
    const box = await freshMailbox();
    const write = vi.spyOn(ImapFlow.prototype as unknown as { write: (chunk: unknown) => void }, 'write');
    try {
      const sink = new MemorySink();
      start(channel(box, { idleRestartSeconds: 1 }), sink);
      await waitFor(() => connectedCount(sink) === 1, 'the connection');
      await sleep(2_600);
      const dones = write.mock.calls.filter(([chunk]) => chunk === 'DONE').length;
      expect(dones).toBeGreaterThanOrEqual(2);
      const m = await append(box, 'after IDLE restarts');
      await waitFor(() => sink.recordedIds.length === 1, 'the new mail', 2_000);
      expect(sink.recordedIds).toEqual([m.id]);
      expect(connectedCount(sink)).toBe(1); // restarted IDLE, not the connection
    } finally {
      write.mockRestore();
    }
  });

  it('polls with NOOP + FETCH where IDLE is not used', async () => {
    const box = await freshMailbox();
    const sink = new MemorySink();
    start(channel(box, { pollSeconds: 1 }), sink, { ...FAST, forcePolling: true });
    await waitFor(() => connectedCount(sink) === 1, 'the connection');
    expect((sink.logs.find((l) => l.msg === 'IMAP connected')?.obj as { mode?: string }).mode).toBe('poll');
    const m = await append(box, 'polled');
    await waitFor(() => sink.recordedIds.length === 1, 'the next poll', 2_500);
    expect(sink.recordedIds).toEqual([m.id]);
  });

  it('stop() while idle resolves quickly, and nothing is recorded afterwards', async () => {
    const box = await freshMailbox();
    await append(box, 'A');
    const sink = new MemorySink();
    const handle = start(channel(box), sink);
    await waitFor(() => sink.recordedIds.length === 1, 'the first sync');
    await sleep(300);

    const began = Date.now();
    await handle.stop();
    expect(Date.now() - began).toBeLessThan(1_000);
    sink.closed = true;
    const statesAtStop = sink.states.length;

    await append(box, 'after stop');
    await sleep(1_000);
    expect(sink.calls).toHaveLength(1);
    expect(sink.states).toHaveLength(statesAtStop);
    expect(sink.logs.at(-1)?.msg).toBe('IMAP watcher stopped');
    await handle.stop(); // idempotent
  });

  it('stop() during a slow record waits for it, saves its cursor, and starts no further record', async () => {
    const box = await freshMailbox();
    const a = await append(box, 'A');
    await append(box, 'B');
    await append(box, 'C');
    const sink = new MemorySink();
    sink.recordDelayMs = 400;
    const handle = start(channel(box), sink);
    await waitFor(() => sink.recordsStarted === 1, 'the first record to start');
    await handle.stop();
    sink.closed = true;
    expect(sink.recordedIds).toEqual([a.id]);
    expect(sink.cursor).toMatchObject({ lastUid: a.uid });
    await sleep(500);
    expect(sink.recordsStarted).toBe(1);
  });

  it('stop() during reconnect backoff ends the watcher without another attempt', async () => {
    const sink = new MemorySink();
    const handle = start(channel('INBOX', { port: 1 }), sink, { reconnectDelaysMs: [60_000] });
    await waitFor(() => sink.states.length === 1, 'the first failed attempt');
    const began = Date.now();
    await handle.stop();
    expect(Date.now() - began).toBeLessThan(500);
    const attempts = sink.logs.filter((l) => l.msg === 'IMAP connection failed, reconnecting').length;
    await sleep(300);
    expect(sink.logs.filter((l) => l.msg === 'IMAP connection failed, reconnecting')).toHaveLength(attempts);
  });
});
