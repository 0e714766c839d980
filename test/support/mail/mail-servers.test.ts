import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FIXTURE_ATTACHMENTS,
  NON_UTF8_DEFAULTS,
  appleMailReply,
  attachmentsMail,
  autoReply,
  bounce,
  forwardedMail,
  gmailReply,
  htmlOnlyMail,
  nonUtf8Mail,
  outlookReply,
  plainMail,
} from './fixtures.js';
import { TEST_USERS, assertImapReachable, imapClient, startSmtpServer, uniqueMessageId, type TestSmtpServer } from './mail-servers.js';
import { appendRaw, clearMailbox, crashImap, fetchRaw, listMailbox, recreateMailbox, resetUidValidity, restartImap, startImap, uidValidity, withImap } from './mailbox.js';

const { support, customer, other } = TEST_USERS;
const quoted = { from: { name: 'Omnigate Support', address: support.address }, to: customer.address, subject: 'Order 4711', date: new Date('2026-01-01T10:00:00Z'), text: 'Hello,\n\nyour order has shipped.\n\n-- \nOmnigate Support' };

// Other test files use the same three users at the same time: this file works in mailboxes of
// its own and only touches INBOX messages it sent itself (found by Message-ID).
const run = Math.random().toString(36).slice(2, 8);
const box = (name: string) => `selftest-${run}-${name}`;

describe('test mail servers', () => {
  let smtp: TestSmtpServer;
  const created: Array<[typeof customer | typeof support | typeof other, string]> = [];

  async function privateBox(user: typeof customer | typeof support | typeof other, name: string): Promise<string> {
    const path = box(name);
    await withImap(user, (client) => client.mailboxCreate(path));
    created.push([user, path]);
    return path;
  }

  beforeAll(async () => {
    await assertImapReachable();
    smtp = await startSmtpServer();
  });
  afterAll(async () => {
    await smtp?.close();
    for (const [user, path] of created) await withImap(user, (client) => client.mailboxDelete(path)).catch(() => {});
  });
  beforeEach(() => {
    smtp.setFailure(null);
  });

  it('logs in as every test user and auto-creates Sent, Drafts and Trash', async () => {
    for (const user of [support, customer, other]) {
      const boxes = await withImap(user, (client) => client.list());
      const special = Object.fromEntries(boxes.filter((b) => b.specialUse).map((b) => [b.specialUse, b.path]));
      expect(special).toMatchObject({ '\\Sent': 'Sent', '\\Drafts': 'Drafts', '\\Trash': 'Trash' });
    }
    const wrong = imapClient({ ...customer, password: 'nope' });
    await expect(wrong.connect()).rejects.toThrow();
    wrong.close();
  });

  it('appends raw messages, lists and clears them', async () => {
    const path = await privateBox(customer, 'append');
    const messageId = uniqueMessageId();
    const uid = await appendRaw(customer, plainMail({ from: support.address, to: customer.address, subject: 'Hello', messageId, text: 'Hi there' }), path);
    const uid2 = await appendRaw(customer, plainMail({ from: support.address, to: customer.address, subject: 'Seen', messageId: uniqueMessageId(), text: 'x' }), path, { flags: ['\\Seen'] });
    const entries = await listMailbox(customer, path);
    expect(entries.map((e) => e.uid)).toEqual([uid, uid2]);
    expect(entries[0]).toMatchObject({ uid, messageId, subject: 'Hello' });
    expect(entries[0]?.flags).not.toContain('\\Seen');
    expect(entries[1]?.flags).toContain('\\Seen');
    await clearMailbox(customer, path);
    expect(await listMailbox(customer, path)).toEqual([]);
  });

  it('delivers mail sent over SMTP into the recipient INBOX', async () => {
    const transport = nodemailer.createTransport(smtp.transportOptions(support));
    const messageId = uniqueMessageId();
    const info = await transport.sendMail({
      from: support.address,
      to: customer.address,
      bcc: 'someone@elsewhere.example',
      subject: 'Re: Order 4711',
      text: 'It is on its way.',
      messageId,
    });
    transport.close();
    expect(info.accepted).toEqual([customer.address, 'someone@elsewhere.example']);
    const mail = smtp.received.find((m) => m.parsed.messageId === messageId);
    expect(mail?.authUser).toBe(support.user);
    expect(mail?.envelope).toEqual({ mailFrom: support.address, rcptTo: [customer.address, 'someone@elsewhere.example'] });
    expect(mail?.delivered).toEqual([{ address: customer.address, uid: expect.any(Number), uidValidity: await uidValidity(customer) }]);

    const inbox = (await listMailbox(customer, 'INBOX')).filter((e) => e.messageId === messageId);
    expect(inbox.map((e) => e.uid)).toEqual([mail?.delivered[0]?.uid]);
    const raw = (await fetchRaw(customer, 'INBOX', inbox[0]?.uid ?? 0)).toString();
    expect(raw).toMatch(/^Return-Path: <support@omnigate\.test>\r\nDelivered-To: customer@omnigate\.test\r\nReceived: /);
    await withImap(customer, async (client) => {
      await client.mailboxOpen('INBOX');
      await client.messageDelete(String(inbox[0]?.uid), { uid: true });
    });
  });

  it('rejects DATA with the injected SMTP error and refuses bad logins', async () => {
    smtp.setFailure(() => ({ code: 550, message: '5.7.1 Message rejected as spam' }));
    const transport = nodemailer.createTransport(smtp.transportOptions(support));
    const before = smtp.received.length;
    const messageId = uniqueMessageId();
    await expect(transport.sendMail({ from: support.address, to: customer.address, subject: 'x', text: 'x', messageId })).rejects.toMatchObject({
      responseCode: 550,
      response: '550 5.7.1 Message rejected as spam',
    });
    smtp.setFailure(() => ({ code: 451, message: '4.3.0 Try again later' }));
    await expect(transport.sendMail({ from: support.address, to: customer.address, subject: 'x', text: 'x', messageId })).rejects.toMatchObject({ responseCode: 451 });
    transport.close();
    expect(smtp.received.length).toBe(before);
    expect(smtp.rejected.slice(-2).map((r) => r.failure.code)).toEqual([550, 451]);
    expect((await listMailbox(customer, 'INBOX')).filter((e) => e.messageId === messageId)).toEqual([]);

    const bad = nodemailer.createTransport({ ...smtp.transportOptions(support), auth: { user: support.user, pass: 'wrong' } });
    await expect(bad.sendMail({ from: support.address, to: customer.address, subject: 'x', text: 'x' })).rejects.toMatchObject({ responseCode: 535 });
    bad.close();
  });

  it('gives a mailbox a new UIDVALIDITY (doveadm) or recreates it', async () => {
    const path = await privateBox(other, 'uidvalidity');
    await appendRaw(other, plainMail({ from: support.address, to: other.address, subject: 'a', messageId: uniqueMessageId(), text: 'a' }), path);
    const before = await uidValidity(other, path);
    const after = await resetUidValidity(other, path);
    expect(after).toBeGreaterThan(before);
    expect(await uidValidity(other, path)).toBe(after);
    expect(await listMailbox(other, path)).toHaveLength(1); // messages stay

    const again = await recreateMailbox(other, path);
    expect(again).not.toBe(after);
    expect(await listMailbox(other, path)).toEqual([]);
  });

  it('restarts Dovecot: an idling session gets BYE at once, mail survives, new sessions work', async () => {
    const path = await privateBox(other, 'restart');
    const uid = await appendRaw(other, plainMail({ from: support.address, to: other.address, subject: 'keep me', messageId: uniqueMessageId(), text: 'x' }), path);
    const idler = imapClient(other);
    await idler.connect();
    await idler.mailboxOpen(path);
    const closed = new Promise<number>((resolve) => idler.once('close', () => resolve(Date.now())));
    void idler.idle().catch(() => {});
    const started = Date.now();
    await restartImap();
    expect((await closed) - started).toBeLessThan(2_000);
    expect(idler.usable).toBe(false);
    expect((await listMailbox(other, path)).map((e) => e.uid)).toEqual([uid]);
  });

  it('crashes Dovecot (SIGKILL, no BYE) and starts it again', async () => {
    const idler = imapClient(other);
    await idler.connect();
    await idler.mailboxOpen('INBOX');
    const closed = new Promise<void>((resolve) => idler.once('close', () => resolve()));
    void idler.idle().catch(() => {});
    try {
      await crashImap();
      await closed;
      await expect(assertImapReachable(1_000)).rejects.toThrow(/No IMAP server/);
    } finally {
      await startImap();
    }
    await assertImapReachable();
    expect(await uidValidity(other, 'INBOX')).toBeGreaterThan(0);
  });
});

describe('fixtures parse as the clients they imitate', () => {
  const base = { from: { name: 'Casey Customer', address: customer.address }, to: support.address, date: new Date('2026-01-02T09:30:00Z') };

  it('builds replies in Gmail, Outlook and Apple Mail shape', async () => {
    const gmail = await simpleParser(gmailReply({ ...base, subject: 'Re: Order 4711', messageId: 'g1@mail.gmail.com', inReplyTo: 'o1@omnigate.test', references: ['o1@omnigate.test'], text: 'Thanks, got it!', quoted }));
    expect(gmail.text).toContain('On Thu, Jan 1, 2026 at 10:00 AM Omnigate Support <support@omnigate.test> wrote:');
    expect(gmail.text).toContain('> your order has shipped.');
    expect(gmail.html).toContain('<div class="gmail_quote">');
    expect(gmail.references).toBe('<o1@omnigate.test>');

    const outlook = await simpleParser(outlookReply({ ...base, subject: 'RE: Order 4711', messageId: 'ol1@outlook.com', inReplyTo: 'o1@omnigate.test', references: 'o1@omnigate.test', text: 'Thanks.', quoted }));
    expect(outlook.text).toContain('-----Original Message-----\nFrom: Omnigate Support <support@omnigate.test>\nSent: Thursday, January 1, 2026 10:00 AM');
    expect(outlook.references).toBeUndefined();
    expect(outlook.inReplyTo).toBe('<o1@omnigate.test>');
    expect(outlook.headers.get('thread-index')).toBeTruthy();

    const apple = await simpleParser(appleMailReply({ ...base, subject: 'Re: Order 4711', messageId: 'a1@omnigate.test', text: 'Merci !', quoted }));
    expect(apple.text).toContain('> On 1 Jan 2026, at 10:00, Omnigate Support <support@omnigate.test> wrote:');
    expect(apple.html).toContain('<blockquote type="cite">');
    expect(apple.text).toContain('Merci !\n\n-- \nCasey Customer');
  });

  it('builds forwards, HTML-only mail, attachments, legacy charsets, auto-replies and bounces', async () => {
    const fwd = await simpleParser(forwardedMail({ ...base, subject: 'Fwd: Broken', messageId: 'f1@x', text: 'FYI', forwarded: { ...quoted, subject: 'Broken' } }));
    expect(fwd.text).toContain('---------- Forwarded message ---------\nFrom: Omnigate Support <support@omnigate.test>');

    const html = await simpleParser(htmlOnlyMail({ ...base, subject: 'Form', messageId: 'h1@x', html: '<p>Caf&eacute; &amp; more</p>' }));
    expect(html.html).toContain('<p>Caf&eacute; &amp; more</p>');
    expect(html.attachments).toHaveLength(0);

    const att = await simpleParser(attachmentsMail({ ...base, subject: 'Files', messageId: 'att1@x', text: 'See attached' }));
    const byName = Object.fromEntries(att.attachments.map((a) => [a.filename, a]));
    expect(byName['screenshot.png']?.content.equals(FIXTURE_ATTACHMENTS.png.content)).toBe(true);
    expect(byName['invoice.pdf']?.content.equals(FIXTURE_ATTACHMENTS.pdf.content)).toBe(true);
    expect(byName['logo.png']).toMatchObject({ contentId: `<${FIXTURE_ATTACHMENTS.inlineImage.cid}>`, related: true });

    const legacyRaw = nonUtf8Mail({ from: { name: 'René Dupont', address: 'rene@example.fr' }, to: support.address, messageId: 'l1@x' });
    expect(legacyRaw).toContain('re=E7u');
    expect(legacyRaw).toContain('=?windows-1251?B?');
    const legacy = await simpleParser(legacyRaw);
    expect(legacy.subject).toBe(NON_UTF8_DEFAULTS.subjects['windows-1251']);
    expect(legacy.text).toContain('numéro 4711');
    expect(legacy.from?.value[0]?.name).toBe('René Dupont');
    const sjis = await simpleParser(nonUtf8Mail({ from: 'a@b.jp', to: support.address, messageId: 'l2@x', subjectCharset: 'shift_jis' }));
    expect(sjis.subject).toBe(NON_UTF8_DEFAULTS.subjects.shift_jis);

    const auto = await simpleParser(autoReply({ ...base, subject: 'Automatic reply: Order', messageId: 'ar@x', signals: ['auto-submitted', 'x-autoreply', 'precedence-bulk', 'list-id'] }));
    expect(auto.headers.get('auto-submitted')).toBe('auto-replied');
    expect(auto.headers.get('x-autoreply')).toBe('yes');
    expect(auto.headers.get('precedence')).toBe('bulk');
    expect(auto.headers.get('list')).toMatchObject({ id: { id: 'customers.lists.example.com' } });

    for (const include of ['headers', 'message'] as const) {
      const raw = bounce({ to: support.address, messageId: 'b1@mx.example.net', include, original: { from: support.address, to: 'nobody@example.com', subject: 'Re: Order', messageId: 'orig-1@omnigate.test' } });
      expect(raw).toMatch(/^Return-Path: <>\r\n/);
      expect(raw).toContain('Content-Type: multipart/report; boundary=');
      expect(raw).toContain('report-type=delivery-status');
      expect(raw).toContain('Final-Recipient: rfc822; nobody@example.com\r\nOriginal-Recipient: rfc822;nobody@example.com\r\nAction: failed\r\nStatus: 5.1.1');
      expect(raw).toContain('Message-ID: <orig-1@omnigate.test>');
      const parsed = await simpleParser(raw);
      expect(parsed.from?.value[0]?.address).toBe('MAILER-DAEMON@mx.example.net');
    }
  });

  it('appends every fixture to Dovecot intact', async () => {
    const raws = [
      plainMail({ ...base, subject: 'plain', messageId: uniqueMessageId(), text: 'y' }),
      gmailReply({ ...base, subject: 'Re: x', messageId: uniqueMessageId(), text: 'y', quoted }),
      outlookReply({ ...base, subject: 'RE: x', messageId: uniqueMessageId(), text: 'y', quoted, separator: 'underscores' }),
      appleMailReply({ ...base, subject: 'Re: x', messageId: uniqueMessageId(), text: 'y', quoted }),
      forwardedMail({ ...base, subject: 'Fwd: x', messageId: uniqueMessageId(), text: 'y', forwarded: quoted }),
      htmlOnlyMail({ ...base, subject: 'html', messageId: uniqueMessageId(), html: '<p>y</p>' }),
      attachmentsMail({ ...base, subject: 'files', messageId: uniqueMessageId(), text: 'see' }),
      nonUtf8Mail({ ...base, messageId: uniqueMessageId() }),
      autoReply({ ...base, subject: 'Out of office', messageId: uniqueMessageId() }),
      bounce({ to: support.address, messageId: uniqueMessageId(), original: { from: support.address, to: 'x@y.example', subject: 's', messageId: uniqueMessageId() } }),
    ];
    const path = `selftest-${run}-fixtures`;
    await withImap(support, (client) => client.mailboxCreate(path));
    try {
      for (const raw of raws) {
        expect(raw).toMatch(/^[\x20-\x7e\r\n\t]*$/);
        const uid = await appendRaw(support, raw, path);
        expect((await fetchRaw(support, path, uid)).toString()).toBe(raw);
      }
      expect(await listMailbox(support, path)).toHaveLength(raws.length);
    } finally {
      await withImap(support, (client) => client.mailboxDelete(path));
    }
  });
});
