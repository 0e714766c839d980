import { ImapFlow } from 'imapflow';
import type { PullHandle, PullSink } from '../contract.js';
import { type ImapCursor, parseCursor, planCursor, rangeAfter, uidValidityOf, uidsAfter } from './imap-cursor.js';
import { withAccountHeader } from './imap-source.js';
import type { EmailChannel, EmailSettings } from './settings.js';

/**
 * The IMAP side of an email channel: watches one mailbox and hands every message to the sink
 * exactly once per (mailbox, UIDVALIDITY, UID), in UID order.
 *
 * - Position: the cursor {mailbox, uidValidity, lastUid} lives with the core (sink.loadCursor /
 *   saveCursor). It moves past a UID only after sink.record resolved for it, so a crash before
 *   record refetches the message and a crash after it re-records identical bytes (idempotent).
 * - Read-only: the mailbox is opened with EXAMINE and bodies are fetched as BODY.PEEK[]
 *   (imapflow's `source: true`), so nothing is marked \Seen.
 * - New mail: an `exists` event during IDLE starts a fetch pass. Every idleRestartSeconds a
 *   NOOP breaks IDLE (servers cut IDLE after 10-30 min), proves the connection is alive (no
 *   answer within noopTimeoutMs → reconnect) and is followed by a catch-up pass and a new IDLE.
 *   Without IDLE: the same NOOP + fetch every pollSeconds.
 * - Failures never escape: dropped connections reconnect with backoff, an authentication failure
 *   is reported to the sink and retried with the long delay, a failing sink keeps the cursor
 *   and the pass is retried later.
 */

export interface ImapPullOptions {
  /** Clock used to judge whether a connection was stable (ms). Default Date.now. */
  now?: () => number;
  /** Delays before reconnect attempts, in order; the last one repeats. Default 1 s, 2 s, 5 s, 15 s, 30 s, 60 s. */
  reconnectDelaysMs?: number[];
  /** Delay before retrying after an authentication or mailbox failure. Default: the last reconnect delay (60 s). */
  authRetryDelayMs?: number;
  /** Poll with NOOP + FETCH even when the server offers IDLE (the fallback path, for tests). */
  forcePolling?: boolean;
  /** A NOOP unanswered this long means a dead connection (reconnect). Default 30 s. */
  noopTimeoutMs?: number;
}

const DEFAULT_RECONNECT_DELAYS_MS = [1_000, 2_000, 5_000, 15_000, 30_000, 60_000];
/** A connection that stayed up this long resets the reconnect backoff. */
const STABLE_SESSION_MS = 30_000;
/** Connection attempts that may fail quietly (a server restart) before the channel shows an error. */
const QUIET_CONNECT_FAILURES = 3;
const DEFAULT_NOOP_TIMEOUT_MS = 30_000;
/** How long stop() waits for the server to answer LOGOUT, or for a pass's IMAP command, before dropping the socket. */
const LOGOUT_TIMEOUT_MS = 3_000;
const STOP_GRACE_MS = 3_000;

/** A failure of the sink (store briefly down), as opposed to the IMAP connection. */
class SinkFailure extends Error {
  constructor(
    readonly operation: 'record' | 'loadCursor' | 'saveCursor',
    readonly original: unknown,
  ) {
    super(`sink.${operation} failed: ${errorText(original)}`);
    this.name = 'SinkFailure';
  }
}

/** SELECT/EXAMINE refused on a live connection (no such mailbox, no rights). */
class MailboxOpenFailure extends Error {
  constructor(readonly original: unknown) {
    super(errorText(original));
    this.name = 'MailboxOpenFailure';
  }
}

type FailureKind = 'auth' | 'mailbox' | 'connect' | 'dropped' | 'sink';

interface ImapErrorLike {
  message?: unknown;
  code?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  response?: unknown;
  responseText?: unknown;
}

function asErrorLike(err: unknown): ImapErrorLike {
  return typeof err === 'object' && err !== null ? (err as ImapErrorLike) : {};
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** imapflow marks login/AUTHENTICATE failures with authenticationFailed; the server code is AUTHENTICATIONFAILED. */
export function isAuthenticationFailure(err: unknown): boolean {
  const e = asErrorLike(err);
  return e.authenticationFailed === true || e.serverResponseCode === 'AUTHENTICATIONFAILED' || (typeof e.response === 'string' && /\[AUTHENTICATIONFAILED\]/i.test(e.response));
}

/** The server's human text for a failed command ("Authentication failed."), without the [CODE] prefix. */
export function serverText(err: unknown): string {
  const e = asErrorLike(err);
  for (const candidate of [e.responseText, e.response]) {
    if (typeof candidate === 'string' && candidate.trim()) return candidate.replace(/^\s*\[[^\]]*\]\s*/, '').trim() || candidate.trim();
  }
  return errorText(err);
}

/** Safe to log: message and code only (never the client options, which hold the password). */
function errFields(err: unknown): { err: string; code?: string } {
  const code = asErrorLike(err).code;
  return typeof code === 'string' ? { err: errorText(err), code } : { err: errorText(err) };
}

/** The promise's value, or undefined once ms have passed. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

class ImapWatcher {
  private stopped = false;
  private client: ImapFlow | null = null;
  /** The cursor of the current session, as last durably saved. */
  private cursor: ImapCursor | null = null;
  private useIdle = false;

  private passRunning: Promise<void> | null = null;
  private passPending = false;
  /** The next pass starts with a NOOP (timer-driven passes: IDLE restart, poll, liveness). */
  private probePending = false;
  private passTimer: NodeJS.Timeout | null = null;
  private passTimerAt = 0;
  private sinkFailures = 0;

  /** Consecutive failed or short-lived sessions: the index into the reconnect delays. */
  private failures = 0;
  private everEstablished = false;
  private reported: string | null = null;

  private readonly sleepers = new Set<() => void>();
  private readonly loop: Promise<void>;

  private readonly now: () => number;
  private readonly delays: number[];
  private readonly authRetryDelayMs: number;
  private readonly noopTimeoutMs: number;

  constructor(
    private readonly channel: EmailChannel,
    private readonly sink: PullSink,
    private readonly opts: ImapPullOptions,
  ) {
    this.now = opts.now ?? Date.now;
    const delays = (opts.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS_MS).filter((d) => Number.isFinite(d) && d >= 0);
    this.delays = delays.length > 0 ? delays : DEFAULT_RECONNECT_DELAYS_MS;
    this.authRetryDelayMs = opts.authRetryDelayMs ?? this.delays[this.delays.length - 1] ?? 60_000;
    this.noopTimeoutMs = opts.noopTimeoutMs ?? DEFAULT_NOOP_TIMEOUT_MS;
    this.loop = this.run().catch((err: unknown) => {
      // Only a throwing logger or sink could get here; never let it become an unhandled rejection.
      try {
        this.sink.logger.error(this.logFields(errFields(err)), 'IMAP watcher ended unexpectedly');
      } catch {
        // nothing left to tell
      }
    });
  }

  private get imap(): EmailSettings['imap'] {
    return this.channel.settings.imap;
  }

  private get mailboxPath(): string {
    return this.imap.mailbox || 'INBOX';
  }

  private logFields(extra: object = {}): object {
    return { channelId: this.channel.id, host: this.imap.host, port: this.imap.port, user: this.imap.user, mailbox: this.mailboxPath, ...extra };
  }

  // ------------------------------------------------------------------ lifecycle

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.clearPassTimer();
      for (const wake of [...this.sleepers]) wake();
      // Let the pass in flight finish its current step (it checks `stopped` before each record).
      // An IMAP command stuck on a dead connection is cut short by closing the socket; a record
      // in progress is awaited (closing IMAP does not affect it).
      const pass = this.passRunning;
      if (pass) {
        const settled = await within(pass.then(() => true, () => true), STOP_GRACE_MS);
        if (!settled) this.client?.close();
        await pass.catch(() => undefined);
      }
      const client = this.client;
      if (client) {
        await within(
          client.logout().catch(() => undefined),
          LOGOUT_TIMEOUT_MS,
        );
        client.close();
      }
    }
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** Connect, watch until the connection ends, wait, again; until stopped. Never throws. */
  private async run(): Promise<void> {
    while (!this.stopped) {
      const startedAt = this.now();
      let established = false;
      let failure: { kind: FailureKind; err?: unknown };
      try {
        failure = await this.session(() => {
          established = true;
        });
      } catch (err) {
        failure = { kind: this.classify(err, established), err };
      }
      this.client = null;
      this.cursor = null;
      this.clearPassTimer();
      if (this.stopped) break;

      if (established && this.now() - startedAt >= STABLE_SESSION_MS) this.failures = 0;
      const delay = await this.afterFailure(failure, established);
      this.failures += 1;
      await this.sleep(delay);
    }
    this.sink.logger.info(this.logFields(), 'IMAP watcher stopped');
  }

  private classify(err: unknown, established: boolean): FailureKind {
    if (err instanceof SinkFailure) return 'sink';
    if (isAuthenticationFailure(err)) return 'auth';
    return established ? 'dropped' : 'connect';
  }

  /** Logs and reports one failed or ended session; returns how long to wait before the next attempt. */
  private async afterFailure(failure: { kind: FailureKind; err?: unknown }, established: boolean): Promise<number> {
    const backoff = this.delays[Math.min(this.failures, this.delays.length - 1)] ?? 60_000;
    const detail = failure.err === undefined ? {} : errFields(failure.err);
    switch (failure.kind) {
      case 'auth': {
        const text = serverText(failure.err);
        this.sink.logger.error(this.logFields({ ...detail, retryInMs: this.authRetryDelayMs }), 'IMAP authentication failed');
        await this.report('error', `IMAP authentication failed: ${text}`);
        return this.authRetryDelayMs;
      }
      case 'mailbox': {
        const text = serverText(failure.err);
        this.sink.logger.error(this.logFields({ ...detail, retryInMs: this.authRetryDelayMs }), 'IMAP mailbox cannot be opened');
        await this.report('error', `IMAP mailbox "${this.mailboxPath}" cannot be opened: ${text}`);
        return this.authRetryDelayMs;
      }
      case 'sink':
        this.sink.logger.warn(this.logFields({ ...detail, retryInMs: backoff }), 'IMAP watcher: store unavailable, reconnecting later');
        return backoff;
      case 'connect':
        this.sink.logger.warn(this.logFields({ ...detail, retryInMs: backoff, attempt: this.failures + 1 }), 'IMAP connection failed, reconnecting');
        if (!this.everEstablished || this.failures + 1 >= QUIET_CONNECT_FAILURES) {
          await this.report('error', `IMAP server unreachable: ${serverText(failure.err)}`);
        }
        return backoff;
      case 'dropped':
      default:
        this.sink.logger.warn(this.logFields({ ...detail, retryInMs: backoff, established }), 'IMAP connection closed, reconnecting');
        return backoff;
    }
  }

  /** Tells the sink about a state change (only changes; a failing sink is retried at the next change). */
  private async report(state: 'active' | 'error', reason?: string): Promise<void> {
    const key = `${state}\u0000${reason ?? ''}`;
    if (this.reported === key) return;
    try {
      await this.sink.reportState(state, reason);
      this.reported = key;
    } catch (err) {
      this.sink.logger.warn(this.logFields(errFields(err)), 'IMAP watcher could not report its state');
    }
  }

  // ------------------------------------------------------------------ one connection

  /**
   * One connection: connect, open the mailbox, reconcile the cursor, then fetch passes until the
   * connection closes. Resolves with why it ended; throws on failures before it was established.
   */
  private async session(onEstablished: () => void): Promise<{ kind: FailureKind; err?: unknown }> {
    const imap = this.imap;
    const client = new ImapFlow({
      host: imap.host,
      port: imap.port,
      secure: imap.secure,
      auth: { user: imap.user, pass: this.channel.secrets.imapPassword },
      logger: false,
      // We start IDLE ourselves right after each pass (imapflow's auto-IDLE waits 15 s first) and
      // restart it with our own timed NOOP pass, which also detects dead connections.
      disableAutoIdle: true,
    });
    this.client = client;

    let lastError: unknown;
    let resolveClosed!: () => void;
    const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
    // Without an 'error' listener an EventEmitter error would crash the process.
    client.on('error', (err: unknown) => {
      lastError = err;
      if (!this.stopped) this.sink.logger.warn(this.logFields(errFields(err)), 'IMAP connection error');
    });
    client.on('close', () => resolveClosed());

    try {
      if (this.stopped) return { kind: 'dropped' };
      await client.connect();
      if (this.stopped) return { kind: 'dropped' };

      let mailbox;
      try {
        mailbox = await client.mailboxOpen(this.mailboxPath, { readOnly: true });
      } catch (err) {
        // A NO on a live connection is about the mailbox (missing, no rights), not the network.
        if (client.usable) throw new MailboxOpenFailure(err);
        throw err;
      }
      const uidValidity = uidValidityOf(mailbox.uidValidity);
      await this.reconcileCursor(uidValidity);
      if (this.stopped) return { kind: 'dropped' };

      this.useIdle = !this.opts.forcePolling && client.capabilities.has('IDLE');
      this.everEstablished = true;
      onEstablished();
      this.sink.logger.info(
        this.logFields({ uidValidity, lastUid: this.cursor?.lastUid ?? 0, exists: mailbox.exists, mode: this.useIdle ? 'idle' : 'poll' }),
        'IMAP connected',
      );
      await this.report('active');

      client.on('exists', () => {
        if (this.client === client) this.requestPass();
      });
      this.requestPass();
      await closed;
      if (this.passRunning) await this.passRunning.catch(() => undefined);
      return { kind: 'dropped', err: lastError };
    } catch (err) {
      client.close();
      if (err instanceof MailboxOpenFailure) return { kind: 'mailbox', err: err.original };
      throw err;
    } finally {
      // stop() logs out the current client; one that connected while stop() was under way is closed here.
      if (this.stopped) client.close();
    }
  }

  /** Loads the stored cursor and decides between continuing and a resync; a resync is persisted at once. */
  private async reconcileCursor(uidValidity: number): Promise<void> {
    let stored: Record<string, unknown> | null;
    try {
      stored = await this.sink.loadCursor();
    } catch (err) {
      throw new SinkFailure('loadCursor', err);
    }
    const parsed = parseCursor(stored);
    if (stored && !parsed) this.sink.logger.warn(this.logFields({ cursor: stored }), 'IMAP cursor unreadable, resyncing');
    const plan = planCursor(parsed, this.mailboxPath, uidValidity);
    if (plan.resync) {
      this.sink.logger.info(
        this.logFields({ reason: plan.reason, previousUidValidity: plan.previous?.uidValidity, uidValidity }),
        'IMAP resync: fetching the whole mailbox',
      );
      await this.saveCursor(plan.cursor);
    }
    this.cursor = plan.cursor;
  }

  private async saveCursor(cursor: ImapCursor): Promise<void> {
    try {
      await this.sink.saveCursor({ mailbox: cursor.mailbox, uidValidity: cursor.uidValidity, lastUid: cursor.lastUid });
    } catch (err) {
      throw new SinkFailure('saveCursor', err);
    }
  }

  // ------------------------------------------------------------------ fetch passes

  /** Starts a pass, or marks one to follow the running pass: never two passes at once. */
  private requestPass(probe = false): void {
    if (this.stopped) return;
    if (probe) this.probePending = true;
    if (this.passRunning) {
      this.passPending = true;
      return;
    }
    const client = this.client;
    if (!client) return;
    this.clearPassTimer();
    this.passRunning = this.runPasses(client).finally(() => {
      this.passRunning = null;
    });
  }

  private async runPasses(client: ImapFlow): Promise<void> {
    let nextPassInMs: number | null = null;
    do {
      this.passPending = false;
      const probe = this.probePending;
      this.probePending = false;
      try {
        await this.pass(client, probe);
        this.sinkFailures = 0;
        nextPassInMs = null;
      } catch (err) {
        if (err instanceof SinkFailure) {
          nextPassInMs = this.delays[Math.min(this.sinkFailures, this.delays.length - 1)] ?? 60_000;
          this.sinkFailures += 1;
          this.sink.logger.warn(this.logFields({ ...errFields(err.original), operation: err.operation, retryInMs: nextPassInMs }), 'IMAP pass stopped: store unavailable, cursor kept');
          this.passPending = false;
        } else {
          // The connection is not trustworthy any more: drop it; the run loop reconnects and catches up.
          if (!this.stopped) this.sink.logger.warn(this.logFields(errFields(err)), 'IMAP fetch failed, reconnecting');
          client.close();
          return;
        }
      }
    } while (this.passPending && !this.stopped && this.client === client && client.usable);

    if (this.stopped || this.client !== client || !client.usable) return;
    // The next timed pass: a retry after a store failure, else the IDLE restart / poll interval.
    this.schedulePass(nextPassInMs ?? (this.useIdle ? this.imap.idleRestartSeconds : this.imap.pollSeconds) * 1000);
    if (this.useIdle) {
      // Returns when the next command breaks IDLE (imapflow sends DONE first) or the connection ends.
      client.idle().catch((err: unknown) => this.sink.logger.warn(this.logFields(errFields(err)), 'IMAP IDLE failed'));
    }
  }

  /** Fetches everything after the cursor, records it in UID order, moving the cursor after each record. */
  private async pass(client: ImapFlow, probe: boolean): Promise<void> {
    if (this.stopped || !this.cursor) return;
    // Breaks IDLE (imapflow sends DONE first), lets the server announce new messages (EXISTS) and
    // proves the connection is alive: a half-open TCP connection would otherwise idle forever.
    if (probe && !(await within(client.noop().then(() => true), this.noopTimeoutMs))) {
      throw new Error(`IMAP server did not answer NOOP within ${this.noopTimeoutMs} ms`);
    }
    const mailbox = client.mailbox;
    if (!mailbox) throw new Error('IMAP mailbox is no longer selected');

    const uidValidity = uidValidityOf(mailbox.uidValidity);
    if (uidValidity !== this.cursor.uidValidity) {
      // The server changed UIDVALIDITY under an open session: our UIDs are void, start over.
      this.sink.logger.info(this.logFields({ previousUidValidity: this.cursor.uidValidity, uidValidity }), 'IMAP resync: UIDVALIDITY changed');
      const fresh: ImapCursor = { mailbox: this.cursor.mailbox, uidValidity, lastUid: 0 };
      await this.saveCursor(fresh);
      this.cursor = fresh;
    }
    if (mailbox.exists === 0) return; // `n:*` on an empty mailbox matches nothing; don't ask

    const listed = await client.fetchAll(rangeAfter(this.cursor.lastUid), { uid: true }, { uid: true });
    const uids = uidsAfter(
      listed.map((m) => m.uid),
      this.cursor.lastUid,
    );
    for (const uid of uids) {
      if (this.stopped) return;
      // One message at a time: bounded memory, and no IMAP command is left half-consumed when
      // the sink fails (an abandoned fetch() iterator would stall imapflow's parser).
      const message = await client.fetchOne(String(uid), { uid: true, source: true }, { uid: true });
      if (this.stopped) return;
      if (message && message.source) {
        const bytes = withAccountHeader(message.source, this.channel.settings.address);
        try {
          await this.sink.record(bytes, 'message/rfc822');
        } catch (err) {
          throw new SinkFailure('record', err);
        }
      } else {
        // Expunged between the listing and the fetch: gone for good, nothing to record.
        this.sink.logger.warn(this.logFields({ uid }), 'IMAP message vanished before it could be fetched');
      }
      const next: ImapCursor = { ...this.cursor, lastUid: uid };
      await this.saveCursor(next);
      this.cursor = next;
    }
  }

  private schedulePass(ms: number): void {
    const at = Date.now() + ms;
    if (this.passTimer && this.passTimerAt <= at) return;
    this.clearPassTimer();
    this.passTimerAt = at;
    this.passTimer = setTimeout(() => {
      this.passTimer = null;
      this.requestPass(true);
    }, ms);
  }

  private clearPassTimer(): void {
    if (this.passTimer) clearTimeout(this.passTimer);
    this.passTimer = null;
  }
}

/**
 * Starts watching the channel's mailbox. Never throws and never rejects: every failure is
 * logged, reported through sink.reportState where the user must act, and retried.
 */
export function startImapPull(
  channel: EmailChannel,
  sink: PullSink,
  opts?: { now?: () => number; reconnectDelaysMs?: number[] } & ImapPullOptions,
): PullHandle {
  const watcher = new ImapWatcher(channel, sink, opts ?? {});
  return { stop: () => watcher.stop() };
}
