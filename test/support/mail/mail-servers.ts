import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import {
  SMTPServer,
  type SMTPServerAuthentication,
  type SMTPServerAuthenticationResponse,
  type SMTPServerDataStream,
  type SMTPServerSession,
} from 'smtp-server';

/**
 * Real mail servers for the email channel's tests:
 * - IMAP: the Dovecot that `scripts/services.sh start-imap` runs (127.0.0.1:1143 unless IMAP_HOST /
 *   IMAP_PORT say otherwise), with the three users below;
 * - SMTP: startSmtpServer(), one per test file, on an ephemeral port; it delivers what it
 *   accepts for these users into their Dovecot INBOX, like a real MTA would.
 */

export interface TestUser {
  /** The mail address (also what Dovecot calls the user). */
  readonly address: string;
  /** IMAP / SMTP login name. */
  readonly user: string;
  readonly password: string;
  /** Display name, for From/To headers in fixtures. */
  readonly name: string;
}

/** Must match DOVECOT_TEST_USERS in scripts/services.sh. */
export const TEST_USERS = {
  support: { address: 'support@omnigate.test', user: 'support@omnigate.test', password: 'support-pass', name: 'Omnigate Support' },
  customer: { address: 'customer@omnigate.test', user: 'customer@omnigate.test', password: 'customer-pass', name: 'Casey Customer' },
  other: { address: 'other@omnigate.test', user: 'other@omnigate.test', password: 'other-pass', name: 'Olive Other' },
} as const satisfies Record<string, TestUser>;

export type TestUserName = keyof typeof TEST_USERS;
/** A test user given as its key ('customer'), its address, or the TestUser itself. */
export type UserRef = TestUserName | string | TestUser;

export function resolveUser(ref: UserRef): TestUser {
  if (typeof ref !== 'string') return ref;
  if (Object.hasOwn(TEST_USERS, ref)) return TEST_USERS[ref as TestUserName];
  const found = findTestUser(ref);
  if (!found) throw new Error(`not a test user: ${ref} (known: ${Object.values(TEST_USERS).map((u) => u.address).join(', ')})`);
  return found;
}

/** The test user with this address (case-insensitive), if any. */
export function findTestUser(address: string): TestUser | undefined {
  const wanted = address.trim().toLowerCase();
  return Object.values(TEST_USERS).find((u) => u.address === wanted);
}

export function imapConfig(): { host: string; port: number } {
  const host = process.env.IMAP_HOST || '127.0.0.1';
  const port = Number(process.env.IMAP_PORT || 1143);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`IMAP_PORT is not a port: ${process.env.IMAP_PORT}`);
  return { host, port };
}

/** An ImapFlow (not yet connected) logged in as this test user; plain IMAP, no TLS, no logs. */
export function imapClient(user: UserRef, options: Partial<ImapFlowOptions> = {}): ImapFlow {
  const u = resolveUser(user);
  const client = new ImapFlow({
    ...imapConfig(),
    secure: false,
    doSTARTTLS: false,
    auth: { user: u.user, pass: u.password },
    logger: false,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    ...options,
  });
  // An 'error' event without a listener would crash the test process (e.g. socket reset during
  // a Dovecot restart); the failing command still rejects, which is what tests see.
  client.on('error', () => {});
  return client;
}

/** Throws with the fix when nothing greets as IMAP at imapConfig(). Use in beforeAll. */
export async function assertImapReachable(timeoutMs = 5_000): Promise<void> {
  const { host, port } = imapConfig();
  const greeting = await new Promise<string | null>((resolve) => {
    const socket = net.connect({ host, port });
    let data = '';
    const done = (value: string | null) => { socket.destroy(); resolve(value); };
    socket.setTimeout(timeoutMs, () => done(null));
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (data.includes('\n')) done(data);
    });
    socket.once('error', () => done(null));
    socket.once('close', () => done(data || null));
  });
  if (!greeting?.startsWith('* OK')) {
    throw new Error(`No IMAP server at ${host}:${port}. Start Dovecot with: bash scripts/services.sh start-imap`);
  }
}

// ------------------------------------------------------------------------------------------ SMTP

export interface SmtpFailure {
  /** SMTP reply code, e.g. 451 (temporary) or 550 / 554 (permanent). */
  code: number;
  /** Reply text; start it with an enhanced status code to look real, e.g. '5.7.1 Rejected'. */
  message: string;
}

export interface SmtpEnvelope {
  /** MAIL FROM address; null for the null sender `<>` (bounces). */
  mailFrom: string | null;
  /** RCPT TO addresses, as given by the client. */
  rcptTo: string[];
}

/** Decides per message whether DATA is rejected; return null to accept. */
export type SmtpFailWith = (mail: { envelope: SmtpEnvelope; raw: Buffer; authUser: string | undefined }) => SmtpFailure | null | undefined;

export interface ReceivedMail {
  envelope: SmtpEnvelope;
  /** The message exactly as the client sent it (after SMTP dot-unstuffing). */
  raw: Buffer;
  parsed: ParsedMail;
  /** The SMTP AUTH user. */
  authUser: string | undefined;
  /** One entry per TEST_USERS recipient: where the copy went in their Dovecot INBOX. */
  delivered: Array<{ address: string; uid: number | undefined; uidValidity: number | undefined }>;
  receivedAt: Date;
}

export interface RejectedMail {
  envelope: SmtpEnvelope;
  raw: Buffer;
  authUser: string | undefined;
  failure: SmtpFailure;
}

export interface SmtpServerOptions {
  /** Called for every message at the end of DATA; a non-null result rejects it with that reply. */
  failWith?: SmtpFailWith;
  /**
   * Deliver accepted mail to TEST_USERS recipients' INBOX over IMAP APPEND (default true).
   * Delivery happens before the 250 reply, so when sendMail() resolves, the mail is there.
   */
  deliver?: boolean;
}

export interface TestSmtpServer {
  host: string;
  port: number;
  /** Accepted messages, in order of arrival. */
  received: ReceivedMail[];
  /** Messages refused at DATA (by failWith, or because IMAP delivery failed: 451). */
  rejected: RejectedMail[];
  /** Replace (or with null: remove) the failure injector. */
  setFailure(fn: SmtpFailWith | null): void;
  /** Resolves once at least `count` messages were accepted in total. */
  waitForReceived(count?: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Nodemailer transport options for logging in as this test user. */
  transportOptions(user: UserRef): {
    host: string; port: number; secure: false; ignoreTLS: true; auth: { user: string; pass: string };
  };
  close(): Promise<void>;
}

function smtpError(failure: SmtpFailure): Error & { responseCode: number } {
  return Object.assign(new Error(failure.message), { responseCode: failure.code });
}

/** Trace headers a delivering MTA adds; the raw mail in `received` stays untouched. */
function traceHeaders(envelope: SmtpEnvelope, recipient: string, session: SMTPServerSession, raw: Buffer): Buffer {
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1');
  const lines: string[] = [];
  if (!/^return-path:/im.test(head)) lines.push(`Return-Path: <${envelope.mailFrom ?? ''}>`);
  lines.push(`Delivered-To: ${recipient}`);
  lines.push(
    `Received: from ${session.hostNameAppearsAs || 'localhost'} (localhost [${session.remoteAddress}])\r\n` +
      `\tby smtp.omnigate.test (Omnigate test SMTP) with ESMTPA id ${session.id}\r\n` +
      `\tfor <${recipient}>; ${new Date().toUTCString().replace('GMT', '+0000')}`,
  );
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n', 'latin1'), raw]);
}

async function deliverToInbox(user: TestUser, raw: Buffer): Promise<{ uid: number | undefined; uidValidity: number | undefined }> {
  const client = imapClient(user);
  await client.connect();
  try {
    const res = await client.append('INBOX', raw);
    if (!res) throw new Error(`IMAP APPEND to ${user.address}'s INBOX failed`);
    return { uid: res.uid, uidValidity: res.uidValidity === undefined ? undefined : Number(res.uidValidity) };
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/**
 * A real SMTP server (the smtp-server package) on 127.0.0.1, ephemeral port: AUTH PLAIN/LOGIN
 * required and accepted for TEST_USERS, no TLS at all (STARTTLS disabled).
 */
export async function startSmtpServer(opts: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  let failWith: SmtpFailWith | null = opts.failWith ?? null;
  const deliver = opts.deliver ?? true;
  const received: ReceivedMail[] = [];
  const rejected: RejectedMail[] = [];
  const waiters = new Set<() => void>();

  const onAuth = (
    auth: SMTPServerAuthentication,
    _session: SMTPServerSession,
    callback: (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void,
  ): void => {
    const user = Object.values(TEST_USERS).find((u) => u.user === auth.username?.toLowerCase());
    if ((auth.method === 'PLAIN' || auth.method === 'LOGIN') && user && auth.password === user.password) {
      callback(null, { user: user.user });
      return;
    }
    callback(smtpError({ code: 535, message: '5.7.8 Error: authentication failed' }));
  };

  const handleData = async (raw: Buffer, session: SMTPServerSession): Promise<void> => {
    const envelope: SmtpEnvelope = {
      mailFrom: session.envelope.mailFrom === false ? null : session.envelope.mailFrom.address || null,
      rcptTo: session.envelope.rcptTo.map((r) => r.address),
    };
    const authUser = session.user;
    const failure = failWith?.({ envelope, raw, authUser }) ?? null;
    if (failure) {
      rejected.push({ envelope, raw, authUser, failure });
      throw smtpError(failure);
    }
    const delivered: ReceivedMail['delivered'] = [];
    if (deliver) {
      const seen = new Set<string>();
      for (const rcpt of envelope.rcptTo) {
        const user = findTestUser(rcpt);
        if (!user || seen.has(user.address)) continue;
        seen.add(user.address);
        try {
          delivered.push({ address: user.address, ...(await deliverToInbox(user, traceHeaders(envelope, user.address, session, raw))) });
        } catch (err) {
          const failure = { code: 451, message: `4.3.0 Local delivery to ${user.address} failed: ${(err as Error).message}` };
          rejected.push({ envelope, raw, authUser, failure });
          throw smtpError(failure);
        }
      }
    }
    received.push({ envelope, raw, parsed: await simpleParser(raw), authUser, delivered, receivedAt: new Date() });
    for (const wake of waiters) wake();
  };

  const server = new SMTPServer({
    name: 'smtp.omnigate.test',
    banner: 'Omnigate test SMTP',
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: false,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    closeTimeout: 1_000,
    onAuth,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: (err?: Error | null) => void) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.once('error', (err: Error) => callback(err));
      stream.once('end', () => {
        handleData(Buffer.concat(chunks), session).then(() => callback(null), (err: Error) => callback(err));
      });
    },
  });
  server.on('error', () => {}); // client resets etc.; each command reports its own failure

  const port = await new Promise<number>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.server.once('error', onError);
    server.listen(0, '127.0.0.1', () => {
      server.server.off('error', onError);
      const address = server.server.address();
      if (address === null || typeof address === 'string') reject(new Error('SMTP server has no TCP address'));
      else resolve(address.port);
    });
  });

  return {
    host: '127.0.0.1',
    port,
    received,
    rejected,
    setFailure(fn) {
      failWith = fn;
    },
    waitForReceived(count = 1, timeoutMs = 10_000) {
      if (received.length >= count) return Promise.resolve(received.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SMTP server received ${received.length} of ${count} expected messages within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(received.slice());
        };
        waiters.add(check);
      });
    },
    transportOptions(user) {
      const u = resolveUser(user);
      return { host: '127.0.0.1', port, secure: false, ignoreTLS: true, auth: { user: u.user, pass: u.password } };
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A Message-ID (with angle brackets) that is unique per call. */
export function uniqueMessageId(domain = 'omnigate.test'): string {
  return `<${randomUUID()}@${domain}>`;
}
