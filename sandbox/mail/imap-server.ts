import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { CommandReader, mailboxPattern, quoted, sequenceSet, type Token } from './imap-syntax.js';
import type { MailFolder, MailStore } from './mail-store.js';

/**
 * The sandbox's IMAP server: the business mailbox the gateway's email channel watches (EXAMINE,
 * IDLE, UID FETCH of BODY.PEEK[]) and copies its sent mail into (APPEND, CREATE on TRYCREATE).
 *
 * Hand-written, and only the subset the gateway's connector (ImapFlow) uses, because no npm
 * package fits: the maintained IMAP servers (WildDuck and its forks) are whole mail systems on
 * MongoDB and Redis, and the small mock servers (hoodiecrow-imap, on emailjs-imap-handler) are
 * unmaintained test tools. The capabilities below decide what ImapFlow sends: with them it uses
 * AUTHENTICATE PLAIN (or LOGIN), NAMESPACE, LIST and LSUB, SELECT or EXAMINE, UID FETCH, IDLE
 * and DONE, NOOP, APPEND, CREATE and SUBSCRIBE, and LOGOUT, and nothing else (no ID, ENABLE, COMPRESS or
 * STARTTLS: none is offered). Anything else is answered BAD. No TLS: it listens on loopback.
 */

const CAPABILITIES = 'IMAP4rev1 LITERAL+ IDLE NAMESPACE UIDPLUS AUTH=PLAIN';
const DELIMITER = '/';
/** FETCH items served; UID FETCH always includes UID. */
const FETCH_ITEMS: ReadonlySet<string> = new Set(['UID', 'FLAGS', 'BODY[]', 'BODY.PEEK[]']);

export interface ImapServerOptions {
  store: MailStore;
  /** Whether these credentials open the mailbox. */
  login: (user: string, password: string) => boolean;
  host?: string;
  /** 0: any free port. */
  port?: number;
  /** A session opened or left a folder (what `watching` counts changed). */
  onWatchersChanged?: () => void;
}

export interface ImapServer {
  port: number;
  /** How many sessions have this folder open (the gateway's watcher has INBOX). */
  watching(folder: string): number;
  close(): Promise<void>;
}

export async function startImapServer(opts: ImapServerOptions): Promise<ImapServer> {
  const sessions = new Set<ImapSession>();
  const server = net.createServer((socket) => {
    const session = new ImapSession(socket, opts);
    sessions.add(session);
    socket.on('close', () => {
      sessions.delete(session);
      if (session.selectedFolder) opts.onWatchersChanged?.();
    });
  });
  const unsubscribe = opts.store.onAppend((folder) => {
    for (const session of sessions) session.announce(folder);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    watching: (name) => [...sessions].filter((s) => s.selectedFolder !== undefined && s.selectedFolder === opts.store.folder(name)).length,
    async close() {
      unsubscribe();
      for (const session of sessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One client connection: not authenticated, authenticated, or with a folder selected. */
class ImapSession {
  private user: string | null = null;
  private selected: { folder: MailFolder; readOnly: boolean; exists: number } | null = null;
  /** The tag of the IDLE in progress: only DONE may follow (RFC 2177). */
  private idling: string | null = null;
  /** The tag of an AUTHENTICATE waiting for the client's response line. */
  private authenticating: string | null = null;
  private readonly reader: CommandReader;

  constructor(
    private readonly socket: net.Socket,
    private readonly opts: ImapServerOptions,
  ) {
    this.reader = new CommandReader(
      (tokens) => {
        try {
          this.handle(tokens);
        } catch (err) {
          this.write(`* BAD ${(err as Error).message}`);
        }
      },
      () => this.write('+ Ready for literal data'),
    );
    socket.on('data', (chunk: Buffer) => this.reader.push(chunk));
    socket.on('error', () => socket.destroy());
    this.write(`* OK [CAPABILITY ${CAPABILITIES}] Omnigate sandbox IMAP ready`);
  }

  get selectedFolder(): MailFolder | undefined {
    return this.selected?.folder;
  }

  /** New mail in a folder: a session idling on it hears at once, others at their next command. */
  announce(folder: MailFolder): void {
    if (this.idling !== null && this.selected?.folder === folder) this.reportExists();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private handle(tokens: Token[]): void {
    if (this.idling !== null) {
      const tag = this.idling;
      this.idling = null;
      if (word(tokens[0]) === 'DONE') this.ok(tag, 'IDLE terminated');
      else this.respond(tag, 'BAD', 'Expected DONE');
      return;
    }
    if (this.authenticating !== null) {
      const tag = this.authenticating;
      this.authenticating = null;
      this.plain(tag, text(tokens[0]));
      return;
    }
    const [tag, name, ...args] = tokens;
    if (typeof tag !== 'string' || typeof name !== 'string') {
      this.write('* BAD Unreadable command');
      return;
    }
    this.dispatch(tag, name.toUpperCase(), args);
  }

  private dispatch(tag: string, command: string, args: Token[]): void {
    switch (command) {
      case 'CAPABILITY':
        this.write(`* CAPABILITY ${CAPABILITIES}`);
        return this.ok(tag, 'CAPABILITY completed');
      case 'NOOP':
        return this.ok(tag, 'NOOP completed');
      case 'LOGOUT':
        this.write('* BYE Logging out');
        this.ok(tag, 'LOGOUT completed');
        this.socket.end();
        return;
    }
    if (this.user === null) {
      if (command === 'LOGIN') return this.login(tag, text(args[0]), text(args[1]));
      if (command === 'AUTHENTICATE') return this.authenticate(tag, args);
      return this.respond(tag, 'BAD', `${command} needs a login first`);
    }
    switch (command) {
      case 'NAMESPACE':
        this.write(`* NAMESPACE (("" "${DELIMITER}")) NIL NIL`);
        return this.ok(tag, 'NAMESPACE completed');
      case 'LIST':
      case 'LSUB':
        return this.list(tag, command, text(args[0]), text(args[1]));
      case 'SELECT':
      case 'EXAMINE':
        return this.select(tag, command, text(args[0]));
      case 'CREATE':
        if (!text(args[0])) return this.respond(tag, 'BAD', 'CREATE needs a name');
        return this.opts.store.create(text(args[0])) ? this.ok(tag, 'CREATE completed') : this.respond(tag, 'NO', '[ALREADYEXISTS] Mailbox exists');
      case 'SUBSCRIBE':
        // ImapFlow subscribes to a folder it created; LSUB lists every folder anyway.
        return this.opts.store.folder(text(args[0])) ? this.ok(tag, 'SUBSCRIBE completed') : this.respond(tag, 'NO', '[NONEXISTENT] No such mailbox');
      case 'APPEND':
        return this.append(tag, args);
      case 'IDLE':
        this.idling = tag;
        this.write('+ idling');
        this.reportExists();
        return;
      case 'FETCH':
        return this.fetch(tag, args, false);
      case 'UID':
        if (word(args[0]) === 'FETCH') return this.fetch(tag, args.slice(1), true);
    }
    this.respond(tag, 'BAD', `${command} is not supported by the sandbox`);
  }

  private login(tag: string, user: string, password: string): void {
    if (!this.opts.login(user, password)) return this.respond(tag, 'NO', '[AUTHENTICATIONFAILED] Authentication failed.');
    this.user = user;
    this.ok(tag, `[CAPABILITY ${CAPABILITIES}] Logged in`);
  }

  private authenticate(tag: string, args: Token[]): void {
    if (word(args[0]) !== 'PLAIN') return this.respond(tag, 'NO', 'Only AUTHENTICATE PLAIN is supported');
    if (typeof args[1] === 'string') return this.plain(tag, args[1]);
    this.authenticating = tag;
    this.write('+ ');
  }

  /** SASL PLAIN (RFC 4616): base64 of `authzid NUL user NUL password`. */
  private plain(tag: string, response: string): void {
    if (response === '*') return this.respond(tag, 'BAD', 'AUTHENTICATE cancelled');
    const [, user = '', password = ''] = Buffer.from(response, 'base64').toString('utf8').split('\0');
    this.login(tag, user, password);
  }

  private list(tag: string, command: string, reference: string, pattern: string): void {
    if (pattern === '') {
      // The hierarchy's root and delimiter.
      this.write(`* ${command} (\\Noselect) "${DELIMITER}" ""`);
    } else {
      const matches = mailboxPattern(reference + pattern, DELIMITER);
      for (const folder of this.opts.store.list()) {
        if (matches.test(folder.name)) this.write(`* ${command} (\\HasNoChildren) "${DELIMITER}" ${quoted(folder.name)}`);
      }
    }
    this.ok(tag, `${command} completed`);
  }

  private select(tag: string, command: string, name: string): void {
    const folder = this.opts.store.folder(name);
    this.selected = null;
    if (!folder) return this.respond(tag, 'NO', '[NONEXISTENT] No such mailbox');
    const readOnly = command === 'EXAMINE';
    this.selected = { folder, readOnly, exists: folder.messages.length };
    this.opts.onWatchersChanged?.();
    this.write('* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)');
    this.write(`* OK [PERMANENTFLAGS (${readOnly ? '' : '\\Seen'})] Flags permitted`);
    this.write(`* ${folder.messages.length} EXISTS`);
    this.write('* 0 RECENT');
    this.write(`* OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid`);
    this.write(`* OK [UIDNEXT ${folder.uidNext}] Predicted next UID`);
    this.ok(tag, `[${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${command} completed`);
  }

  /** APPEND mailbox [(flags)] ["date-time"] literal. */
  private append(tag: string, args: Token[]): void {
    const [name, ...rest] = args;
    const message = rest.at(-1);
    if (typeof name !== 'string' || !Buffer.isBuffer(message)) return this.respond(tag, 'BAD', 'APPEND needs a mailbox and a message literal');
    const folder = this.opts.store.folder(name);
    if (!folder) return this.respond(tag, 'NO', '[TRYCREATE] No such mailbox');
    const flags = rest.find((t): t is Token[] => Array.isArray(t)) ?? [];
    const date = rest.find((t): t is string => typeof t === 'string');
    const internalDate = date && !Number.isNaN(Date.parse(date)) ? new Date(date) : new Date();
    const { mail } = this.opts.store.append(folder.name, message, flags.map(text), internalDate);
    this.ok(tag, `[APPENDUID ${folder.uidValidity} ${mail.uid}] APPEND completed`);
  }

  /** FETCH / UID FETCH of UID, FLAGS and the whole message (BODY[] or BODY.PEEK[]). */
  private fetch(tag: string, args: Token[], byUid: boolean): void {
    const selected = this.selected;
    if (!selected) return this.respond(tag, 'BAD', 'No mailbox selected');
    // New messages are announced before any of them is fetched.
    this.reportExists();
    const [set, items] = args;
    const wanted = new Set((Array.isArray(items) ? items : [items]).map(word));
    const unsupported = [...wanted].find((item) => !FETCH_ITEMS.has(item));
    if (unsupported !== undefined) return this.respond(tag, 'BAD', `FETCH ${unsupported} is not supported by the sandbox`);
    const messages = selected.folder.messages.slice(0, selected.exists);
    const contains = sequenceSet(text(set), byUid ? (messages.at(-1)?.uid ?? 0) : messages.length);
    if (!contains) return this.respond(tag, 'BAD', `Not a sequence set: ${text(set)}`);
    messages.forEach((mail, index) => {
      if (!contains(byUid ? mail.uid : index + 1)) return;
      const fields: string[] = [];
      if (byUid || wanted.has('UID')) fields.push(`UID ${mail.uid}`);
      // A plain BODY[] reads the message: \Seen, unless the folder was opened read-only.
      if (wanted.has('BODY[]') && !selected.readOnly && !mail.flags.has('\\Seen')) {
        mail.flags.add('\\Seen');
        wanted.add('FLAGS');
      }
      if (wanted.has('FLAGS')) fields.push(`FLAGS (${[...mail.flags].join(' ')})`);
      const head = `* ${index + 1} FETCH (${fields.join(' ')}`;
      if (wanted.has('BODY[]') || wanted.has('BODY.PEEK[]')) {
        this.opts.store.fetched(selected.folder, mail);
        if (!this.socket.destroyed) this.socket.write(Buffer.concat([Buffer.from(`${head}${fields.length > 0 ? ' ' : ''}BODY[] {${mail.raw.length}}\r\n`), mail.raw, Buffer.from(')\r\n')]));
      } else {
        this.write(`${head})`);
      }
    });
    this.ok(tag, `${byUid ? 'UID ' : ''}FETCH completed`);
  }

  /** `* n EXISTS` when the selected folder has grown since the client last heard. */
  private reportExists(): void {
    const selected = this.selected;
    if (!selected || selected.folder.messages.length === selected.exists) return;
    selected.exists = selected.folder.messages.length;
    this.write(`* ${selected.exists} EXISTS`);
  }

  private ok(tag: string, message: string): void {
    this.reportExists();
    this.respond(tag, 'OK', message);
  }

  private respond(tag: string, status: 'OK' | 'NO' | 'BAD', message: string): void {
    this.write(`${tag} ${status} ${message}`);
  }

  private write(line: string): void {
    if (!this.socket.destroyed) this.socket.write(`${line}\r\n`);
  }
}

/** A token as text (a literal's bytes decoded; a list is no text). */
function text(token: Token | undefined): string {
  if (typeof token === 'string') return token;
  return Buffer.isBuffer(token) ? token.toString('utf8') : '';
}

function word(token: Token | undefined): string {
  return text(token).toUpperCase();
}
