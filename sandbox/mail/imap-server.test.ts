import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startImapServer, type ImapServer } from './imap-server.js';
import { MailStore } from './mail-store.js';

/** The sandbox's IMAP server driven by ImapFlow, the client the gateway's email connector uses, the way the connector does. */

const USER = 'support@shop.test';
const PASSWORD = 'imap-secret';
const mail = (subject: string) => Buffer.from(`From: casey@example.net\r\nTo: ${USER}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.net>\r\n\r\nHello\r\n`);

let store: MailStore;
let server: ImapServer;
const clients: ImapFlow[] = [];

beforeAll(async () => {
  store = new MailStore();
  server = await startImapServer({ store, login: (user, password) => user === USER && password === PASSWORD, port: 0 });
});

afterEach(async () => {
  for (const client of clients.splice(0)) await client.logout().catch(() => client.close());
});

afterAll(async () => {
  await server.close();
});

async function connect(password = PASSWORD): Promise<ImapFlow> {
  const client = new ImapFlow({ host: '127.0.0.1', port: server.port, secure: false, auth: { user: USER, pass: password }, logger: false, disableAutoIdle: true });
  client.on('error', () => {});
  clients.push(client);
  await client.connect();
  return client;
}

describe('the sandbox IMAP server', () => {
  it('serves a read-only watcher: EXAMINE, UID FETCH after a cursor, BODY.PEEK[] leaves mail unseen', async () => {
    const first = store.append('INBOX', mail('first')).mail;
    const second = store.append('INBOX', mail('second')).mail;
    const client = await connect();
    const mailbox = await client.mailboxOpen('INBOX', { readOnly: true });
    expect(mailbox).toMatchObject({ path: 'INBOX', readOnly: true, exists: 2, uidNext: second.uid + 1 });
    expect(Number(mailbox.uidValidity)).toBe(store.folder('INBOX')!.uidValidity);

    const listed = await client.fetchAll(`${first.uid + 1}:*`, { uid: true }, { uid: true });
    expect(listed.map((m) => m.uid)).toEqual([second.uid]);
    // n:* names the newest message even past it (RFC 3501 §6.4.8).
    expect((await client.fetchAll(`${second.uid + 5}:*`, { uid: true }, { uid: true })).map((m) => m.uid)).toEqual([second.uid]);

    const fetched = await client.fetchOne(String(second.uid), { uid: true, source: true }, { uid: true });
    expect(fetched && fetched.source?.equals(second.raw)).toBe(true);
    expect(second.flags.has('\\Seen')).toBe(false);
  });

  it('tells a client in IDLE at once when mail arrives, and a NOOP ends IDLE', async () => {
    const client = await connect();
    const { exists } = await client.mailboxOpen('INBOX', { readOnly: true });
    const announced = new Promise<number>((resolve) => client.once('exists', (event: { count: number }) => resolve(event.count)));
    void client.idle();
    store.append('INBOX', mail('while idle'));
    expect(await announced).toBe(exists + 1);
    await client.noop();
    const uids = (await client.fetchAll('1:*', { uid: true }, { uid: true })).map((m) => m.uid);
    expect(uids).toHaveLength(exists + 1);
  });

  it('takes APPEND with flags and answers APPENDUID; a missing folder is TRYCREATE until CREATE makes it', async () => {
    const client = await connect();
    const appended = await client.append('Sent', mail('our reply'), ['\\Seen'], new Date('2026-01-02T03:04:05Z'));
    const sent = store.folder('Sent')!;
    expect(appended).toMatchObject({ destination: 'Sent', uid: sent.messages.at(-1)!.uid });
    expect(sent.messages.at(-1)).toMatchObject({ flags: new Set(['\\Seen']), internalDate: new Date('2026-01-02T03:04:05Z') });

    await expect(client.append('Archive', mail('archived'))).rejects.toMatchObject({ serverResponseCode: 'TRYCREATE' });
    await client.mailboxCreate('Archive');
    await client.append('Archive', mail('archived'));
    expect(store.folder('Archive')!.messages).toHaveLength(1);
    expect((await client.list()).map((f) => f.path).sort()).toEqual(['Archive', 'INBOX', 'Sent']);
  });

  it('refuses a wrong password as an authentication failure, and a folder that does not exist', async () => {
    await expect(connect('wrong')).rejects.toMatchObject({ authenticationFailed: true });
    const client = await connect();
    await expect(client.mailboxOpen('Nowhere', { readOnly: true })).rejects.toThrow();
  });

  it('counts the sessions watching a folder', async () => {
    const client = await connect();
    await client.mailboxOpen('INBOX', { readOnly: true });
    expect(server.watching('inbox')).toBeGreaterThanOrEqual(1);
  });
});
