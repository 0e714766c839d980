import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProviderSendError, type ChannelAccess, type OutboundSend } from '../contract.js';
import type { MessageContent } from '../../src/domain/message.js';
import { refusal } from '../support/testing.js';
import { assertImapReachable, imapConfig } from '../../test/support/mail/mail-servers.js';
import { parseHeaderBlock } from './headers.js';
import { createEmailConnector, type EmailSecrets, type EmailSettings } from './index.js';
import { replySubject, threadHeaders, toProviderSendError } from './send.js';

const ADDRESS = 'support@omnigate.test';
const SMTP_PASSWORD = 'smtp-pass';
const CUSTOMER = 'ana.souza@example.com';
const CONVERSATION = '665f1c2ab3d4e5f6a7b8c9d0';
const MESSAGE = '665f1c2ab3d4e5f6a7b8c9f9';
const OUR_ID = `og.${CONVERSATION}.${MESSAGE}@omnigate.test`;
const PARENT = {
  messageId: 'CAF=k2x9R7tLw0A+b1Q@mail.gmail.com',
  inReplyTo: `og.${CONVERSATION}.665f1c2ab3d4e5f6a7b8c9d1@omnigate.test`,
  references: ['CAF=k2x9Q1mE7uY@mail.example.com', `og.${CONVERSATION}.665f1c2ab3d4e5f6a7b8c9d1@omnigate.test`],
};
/** The Dovecot of scripts/services.sh. */
const { host: IMAP_HOST, port: IMAP_PORT } = imapConfig();

// ---------------------------------------------------------------- a real SMTP server, no TLS

interface Received {
  from: string | false;
  to: string[];
  user: string | undefined;
  raw: Buffer;
}
const received: Received[] = [];

/** Refuses RCPT for unknown@ (550) and DATA for greylisted@ (451); AUTH only with SMTP_PASSWORD. */
const server = new SMTPServer({
  secure: false,
  disabledCommands: ['STARTTLS'],
  allowInsecureAuth: true,
  logger: false,
  onAuth(auth, _session, callback) {
    if (auth.username === ADDRESS && auth.password === SMTP_PASSWORD) return callback(null, { user: auth.username });
    return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
  },
  onRcptTo(address, _session, callback) {
    if (address.address.startsWith('unknown@')) {
      return callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected: User unknown`), { responseCode: 550 }));
    }
    return callback();
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const to = session.envelope.rcptTo.map((r) => r.address);
      if (to.some((a) => a.startsWith('greylisted@'))) {
        return callback(Object.assign(new Error('4.7.1 Greylisted, please try again later'), { responseCode: 451 }));
      }
      received.push({ from: session.envelope.mailFrom && session.envelope.mailFrom.address, to, user: session.user, raw: Buffer.concat(chunks) });
      return callback();
    });
  },
});
let smtpPort = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  smtpPort = (server.server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(resolve)));
beforeEach(() => {
  received.length = 0;
});

// ---------------------------------------------------------------- the channel and the connector

function channelWith(overrides: { settings?: Partial<EmailSettings>; secrets?: Partial<EmailSecrets> } = {}): ChannelAccess<EmailSettings, EmailSecrets> {
  return {
    id: 'ch-email',
    workspaceId: 'ws1',
    webhookUrl: 'https://gateway.example.test/webhooks/email/ch-email',
    settings: {
      address: ADDRESS,
      displayName: 'Omnigate Support',
      imap: { host: IMAP_HOST, port: IMAP_PORT, secure: false, user: ADDRESS, mailbox: 'INBOX', sentFolder: 'Sent', pollSeconds: 60, idleRestartSeconds: 540 },
      smtp: { host: '127.0.0.1', port: smtpPort, secure: false, user: ADDRESS },
      ...overrides.settings,
    },
    secrets: { imapPassword: 'support-pass', smtpPassword: SMTP_PASSWORD, ...overrides.secrets },
  };
}

const appended: { raw: Buffer; sentAt: Date }[] = [];
beforeEach(() => {
  appended.length = 0;
});
const connector = createEmailConnector({
  appendToSent: async (raw, sentAt) => {
    appended.push({ raw, sentAt });
  },
});

const STORED: Record<string, { data: Buffer; mimeType: string; filename?: string }> = {
  'st-pdf': { data: Buffer.from('%PDF-1.4\n%%EOF\n'), mimeType: 'application/pdf', filename: 'invoice-1234.pdf' },
  'st-png': { data: Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), mimeType: 'image/png' },
};
const loadStoredMedia = async (id: string) => {
  const stored = STORED[id];
  if (!stored) throw new ProviderSendError('media_not_found', `no stored media ${id}`, 'final');
  return stored;
};

function outbound(content: MessageContent, extra: Partial<OutboundSend> = {}): OutboundSend {
  return {
    to: CUSTOMER,
    content,
    thread: { conversationId: CONVERSATION, messageId: MESSAGE, subject: 'Order 1234 has not arrived', inReplyTo: PARENT },
    loadStoredMedia,
    ...extra,
  };
}

function onlyReceived(): Received & { headers: Map<string, string[]> } {
  expect(received).toHaveLength(1);
  const mail = received[0]!;
  return { ...mail, headers: parseHeaderBlock(mail.raw.toString('latin1')) };
}

// ---------------------------------------------------------------- tests

describe('a reply over SMTP', () => {
  it('carries our Message-ID, In-Reply-To, References, "Re: " subject and the channel as From; the same bytes go to Sent', async () => {
    const result = await connector.send(outbound({ type: 'text', text: 'Your parcel is in Lisbon and arrives tomorrow.' }), channelWith());
    expect(result).toEqual({ providerMessageId: OUR_ID });

    const mail = onlyReceived();
    expect(mail).toMatchObject({ from: ADDRESS, to: [CUSTOMER], user: ADDRESS });
    expect(Object.fromEntries([...mail.headers].filter(([k]) => ['message-id', 'in-reply-to', 'references', 'subject', 'from', 'to'].includes(k)))).toEqual({
      'message-id': [`<${OUR_ID}>`],
      'in-reply-to': ['<CAF=k2x9R7tLw0A+b1Q@mail.gmail.com>'],
      references: [`<CAF=k2x9Q1mE7uY@mail.example.com> <${PARENT.inReplyTo}> <CAF=k2x9R7tLw0A+b1Q@mail.gmail.com>`],
      subject: ['Re: Order 1234 has not arrived'],
      from: ['Omnigate Support <support@omnigate.test>'],
      to: [CUSTOMER],
    });
    // A person's reply is not automatic mail.
    expect(mail.headers.has('auto-submitted')).toBe(false);
    expect((await simpleParser(mail.raw)).text).toBe('Your parcel is in Lisbon and arrives tomorrow.\n');

    expect(appended).toHaveLength(1);
    expect(appended[0]?.raw.equals(mail.raw)).toBe(true);
    expect(mail.headers.get('date')?.[0]).toBe(appended[0]?.sentAt.toUTCString().replace('GMT', '+0000'));
  });

  it('a first message (no parent) keeps its subject and has no In-Reply-To or References; Message-ID on messageIdDomain', async () => {
    const message = outbound({ type: 'text', text: 'Hello Ana' }, { thread: { conversationId: CONVERSATION, messageId: MESSAGE, subject: 'Your order' } });
    const result = await connector.send(message, channelWith({ settings: { messageIdDomain: 'mail.omnigate.example', displayName: undefined } }));
    expect(result.providerMessageId).toBe(`og.${CONVERSATION}.${MESSAGE}@mail.omnigate.example`);
    const { headers } = onlyReceived();
    expect(headers.get('subject')).toEqual(['Your order']);
    expect(headers.get('from')).toEqual([ADDRESS]);
    expect(headers.has('in-reply-to')).toBe(false);
    expect(headers.has('references')).toBe(false);
  });

  it('a document from our store is attached, its caption the body', async () => {
    await connector.send(outbound({ type: 'document', media: { storedId: 'st-pdf' }, caption: 'Your invoice' }), channelWith());
    const parsed = await simpleParser(onlyReceived().raw);
    expect(parsed.text).toBe('Your invoice');
    expect(parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content }))).toEqual([
      { filename: 'invoice-1234.pdf', contentType: 'application/pdf', content: STORED['st-pdf']?.data },
    ]);
  });

  it('email content: its own subject, HTML with an inline image by cid, an attachment, and Auto-Submitted when automatic', async () => {
    const content: MessageContent = {
      type: 'email',
      subject: 'We received your request',
      text: '',
      html: '<p>Thanks, we are on it.</p><img src="cid:logo@omnigate.test">',
      newText: '',
      from: ADDRESS,
      to: [CUSTOMER],
      cc: [],
      attachments: [
        { storedId: 'st-png', filename: 'logo.png', contentId: 'logo@omnigate.test' },
        { storedId: 'st-pdf', filename: 'terms.pdf', mimeType: 'application/pdf' },
      ],
      automatic: true,
    };
    await connector.send(outbound(content), channelWith());
    const mail = onlyReceived();
    expect(mail.headers.get('auto-submitted')).toEqual(['auto-replied']);
    expect(mail.headers.get('subject')).toEqual(['We received your request']);
    const parsed = await simpleParser(mail.raw, { keepCidLinks: true });
    expect(parsed.html).toBe('<p>Thanks, we are on it.</p><img src="cid:logo@omnigate.test">');
    // Clients without HTML get its text.
    expect(parsed.text).toBe('Thanks, we are on it.');
    expect(parsed.attachments.map((a) => ({ filename: a.filename, cid: a.cid, related: a.related === true, content: a.content }))).toEqual([
      { filename: 'logo.png', cid: 'logo@omnigate.test', related: true, content: STORED['st-png']?.data },
      { filename: 'terms.pdf', cid: undefined, related: false, content: STORED['st-pdf']?.data },
    ]);
  });
});

describe('refused before connecting', () => {
  it.each<[string, OutboundSend, string]>([
    ['no thread', { ...outbound({ type: 'text', text: 'hi' }), thread: undefined }, 'thread_missing'],
    ['two recipients in one', outbound({ type: 'text', text: 'hi' }, { to: 'a@example.com, b@example.com' }), 'recipient_invalid'],
    ['not an address', outbound({ type: 'text', text: 'hi' }, { to: '+351912345678' }), 'recipient_invalid'],
    ['empty text', outbound({ type: 'text', text: '  \n' }), 'content_invalid'],
    ['media that is not in our store (a URL)', outbound({ type: 'image', media: { url: 'https://cdn.example.test/a.png' } }), 'media_missing'],
    ['a sticker', outbound({ type: 'sticker', media: { storedId: 'st-png' } }), 'unsupported_content'],
    ['a location', outbound({ type: 'location', latitude: 38.7, longitude: -9.1 }), 'unsupported_content'],
    [
      'an email with nothing in it',
      outbound({ type: 'email', subject: 's', text: '', newText: '', from: ADDRESS, to: [CUSTOMER], cc: [], attachments: [], automatic: false }),
      'content_invalid',
    ],
  ])('%s', async (_name, message, code) => {
    expect(await refusal(connector.send(message, channelWith()))).toMatchObject({ code, outcome: 'final' });
    expect(received).toHaveLength(0);
  });

  it('an attachment over 25 MB', async () => {
    const big = async () => ({ data: Buffer.alloc(25 * 1024 * 1024 + 1), mimeType: 'video/mp4' });
    const err = await refusal(connector.send(outbound({ type: 'video', media: { storedId: 'st-big' } }, { loadStoredMedia: big }), channelWith()));
    expect(err).toMatchObject({ code: 'media_too_large', outcome: 'final' });
  });

  it("the store's own refusal passes through unchanged", async () => {
    const err = await refusal(connector.send(outbound({ type: 'image', media: { storedId: 'st-gone' } }), channelWith()));
    expect(err).toMatchObject({ code: 'media_not_found', title: 'no stored media st-gone' });
  });
});

describe('SMTP failures', () => {
  it('451 at DATA (greylisting) → retry, named by the reply code', async () => {
    const err = await refusal(connector.send(outbound({ type: 'text', text: 'hi' }, { to: 'greylisted@example.com' }), channelWith()));
    expect(err).toMatchObject({ code: '451', outcome: 'retry' });
    expect(err.title).toContain('Greylisted, please try again later');
    expect(appended).toHaveLength(0);
  });

  it('550 at RCPT (unknown user) → final, with the server text', async () => {
    const err = await refusal(connector.send(outbound({ type: 'text', text: 'hi' }, { to: 'unknown@example.com' }), channelWith()));
    expect(err).toMatchObject({ code: '550', outcome: 'final' });
    expect(err.title).toContain('Recipient address rejected: User unknown');
  });

  it('a wrong password → EAUTH, final', async () => {
    const err = await refusal(connector.send(outbound({ type: 'text', text: 'hi' }), channelWith({ secrets: { smtpPassword: 'wrong' } })));
    expect(err).toMatchObject({ code: 'EAUTH', outcome: 'final' });
    expect(err.title).toContain('535');
    expect(received).toHaveLength(0);
  });

  it('nothing listening (connection refused) → retry', async () => {
    const closed = await freePort();
    const err = await refusal(
      connector.send(outbound({ type: 'text', text: 'hi' }), channelWith({ settings: { smtp: { host: '127.0.0.1', port: closed, secure: false, user: ADDRESS } } })),
    );
    expect(err).toMatchObject({ code: 'ESOCKET', outcome: 'retry' });
    expect(err.title).toContain('ECONNREFUSED');
  });
});

describe('the copy in the Sent folder', () => {
  it('a failed copy does not fail the send (it would be sent twice); it is reported as a warning', async () => {
    const onWarning = vi.fn();
    const failing = createEmailConnector({ appendToSent: () => Promise.reject(new Error('NO [OVERQUOTA] Quota exceeded')), onWarning });
    expect(await failing.send(outbound({ type: 'text', text: 'hi' }), channelWith())).toEqual({ providerMessageId: OUR_ID });
    expect(received).toHaveLength(1);
    expect(onWarning).toHaveBeenCalledWith(`The sent message ${OUR_ID} could not be copied to the Sent folder`, new Error('NO [OVERQUOTA] Quota exceeded'));
  });

  it('IMAP APPEND to Dovecot: the exact sent bytes, \\Seen, the folder created on TRYCREATE', async () => {
    await assertImapReachable();
    const folder = `Sent-test-${randomBytes(4).toString('hex')}`;
    const messageId = randomBytes(12).toString('hex');
    const onWarning = vi.fn();
    const real = createEmailConnector({ onWarning });
    const message = outbound({ type: 'text', text: 'Filed in Sent' }, { thread: { conversationId: CONVERSATION, messageId, subject: 'Sent copy' } });
    const result = await real.send(message, channelWith({ settings: { imap: { ...channelWith().settings.imap, sentFolder: folder } } }));
    expect(onWarning).not.toHaveBeenCalled();
    const sent = onlyReceived().raw;

    const client = new ImapFlow({ host: IMAP_HOST, port: IMAP_PORT, secure: false, doSTARTTLS: false, auth: { user: ADDRESS, pass: 'support-pass' }, logger: false });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.mailboxOpen(folder, { readOnly: true });
      const uids = (await client.search({ header: { 'message-id': result.providerMessageId } }, { uid: true })) || [];
      expect(uids).toHaveLength(1);
      const copy = await client.fetchOne(String(uids[0]), { source: true, flags: true }, { uid: true });
      expect(copy && copy.flags?.has('\\Seen')).toBe(true);
      expect(copy && copy.source?.equals(sent)).toBe(true);
      await client.mailboxClose();
      await client.mailboxDelete(folder);
    } finally {
      await client.logout().catch(() => client.close());
    }
  });
});

describe('toProviderSendError', () => {
  const failure = (fields: Record<string, unknown>) => Object.assign(new Error('failed'), fields);

  it.each<[string, Record<string, unknown>, string, string]>([
    ['421 service not available', { code: 'EENVELOPE', responseCode: 421, response: '421 4.3.2 Try later' }, '421', 'retry'],
    ['452 mailbox full (temporary)', { code: 'EENVELOPE', responseCode: 452 }, '452', 'retry'],
    ['552 message too large', { code: 'EMESSAGE', responseCode: 552, response: '552 5.3.4 Message size exceeds fixed limit' }, '552', 'final'],
    ['554 rejected as spam', { code: 'EMESSAGE', responseCode: 554 }, '554', 'final'],
    ['535 authentication failed', { code: 'EAUTH', responseCode: 535 }, 'EAUTH', 'final'],
    ['454 temporary authentication failure', { code: 'EAUTH', responseCode: 454 }, 'EAUTH', 'retry'],
    ['no credentials accepted (no reply code)', { code: 'EAUTH' }, 'EAUTH', 'final'],
    ['connection refused', { code: 'ECONNECTION' }, 'ECONNECTION', 'retry'],
    ['timeout', { code: 'ETIMEDOUT' }, 'ETIMEDOUT', 'retry'],
    ['socket closed', { code: 'ESOCKET' }, 'ESOCKET', 'retry'],
    ['DNS', { code: 'EDNS' }, 'EDNS', 'retry'],
  ])('%s', (_name, fields, code, outcome) => {
    expect(toProviderSendError(failure(fields))).toMatchObject({ code, outcome });
  });

  it("the title is the server's reply, else the error message", () => {
    expect(toProviderSendError(failure({ code: 'EMESSAGE', responseCode: 552, response: '552 5.3.4 Too big' }))).toMatchObject({ title: '552 5.3.4 Too big' });
    expect(toProviderSendError(failure({ code: 'ETIMEDOUT' }))).toMatchObject({ title: 'failed' });
  });

  it('anything that is not an SMTP failure is left as it is', () => {
    const bug = new TypeError('x is undefined');
    const ours = new ProviderSendError('media_not_found', 'gone', 'final');
    expect(toProviderSendError(bug)).toBe(bug);
    expect(toProviderSendError(ours)).toBe(ours);
    expect(toProviderSendError('text')).toBe('text');
  });
});

describe('threadHeaders and replySubject', () => {
  it('References: the parent’s References, else its In-Reply-To, then the parent', () => {
    expect(threadHeaders(undefined)).toEqual({});
    expect(threadHeaders({ messageId: 'p@x' })).toEqual({ inReplyTo: '<p@x>', references: ['<p@x>'] });
    expect(threadHeaders({ messageId: 'p@x', inReplyTo: 'g@x' })).toEqual({ inReplyTo: '<p@x>', references: ['<g@x>', '<p@x>'] });
    expect(threadHeaders({ messageId: 'p@x', inReplyTo: 'g@x', references: ['r@x', 'g@x'] })).toEqual({ inReplyTo: '<p@x>', references: ['<r@x>', '<g@x>', '<p@x>'] });
  });

  it('a long chain keeps the first and the latest 19 ids', () => {
    const references = Array.from({ length: 30 }, (_, i) => `m${i}@x`);
    const headers = threadHeaders({ messageId: 'p@x', references });
    expect(headers.references).toHaveLength(20);
    expect(headers.references?.[0]).toBe('<m0@x>');
    expect(headers.references?.slice(-2)).toEqual(['<m29@x>', '<p@x>']);
  });

  it('a parent stored under a hash (it had no Message-ID) is not cited', () => {
    expect(threadHeaders({ messageId: 'sha256:ab12' })).toEqual({});
    expect(threadHeaders({ messageId: 'sha256:ab12', references: ['r@x'] })).toEqual({ references: ['<r@x>'] });
  });

  it.each([
    ['Order 1234', 'Re: Order 1234'],
    ['Re: Order 1234', 'Re: Order 1234'],
    ['RE: Order 1234', 'RE: Order 1234'],
    ['re:Order', 're:Order'],
    ['AW: Bestellung', 'AW: Bestellung'],
    ['SV: Ordre', 'SV: Ordre'],
    ['Fwd: Broken lid', 'Re: Fwd: Broken lid'],
    ['  Order  ', 'Re: Order'],
  ])('%j → %j', (subject, expected) => {
    expect(replySubject(subject)).toBe(expected);
  });
});

/** A port nothing listens on (taken and released). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
