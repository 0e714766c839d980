import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendRaw, clearMailbox, listMailbox, resetUidValidity } from './support/mail/mailbox.js';
import { imapConfig, startSmtpServer, TEST_USERS, uniqueMessageId, type TestSmtpServer } from './support/mail/mail-servers.js';
import { attachmentsMail, autoReply, bounce, forwardedMail, gmailReply, htmlOnlyMail, NON_UTF8_DEFAULTS, nonUtf8Mail, outlookReply, plainMail } from './support/mail/fixtures.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

/** This file owns the `other@` mailbox: it is the business's address here. */
const BUSINESS = TEST_USERS.other;
const CUSTOMER = TEST_USERS.customer;

let h: Harness;
let smtp: TestSmtpServer;
let key: string;
let channelId: string;

const settings = (smtpPort: number) => ({
  address: BUSINESS.address,
  displayName: 'Omnigate Support',
  imap: { ...imapConfig(), secure: false, user: BUSINESS.user, pollSeconds: 5, idleRestartSeconds: 30 },
  smtp: { host: '127.0.0.1', port: smtpPort, secure: false, user: BUSINESS.user },
});

beforeAll(async () => {
  await clearMailbox(BUSINESS, 'INBOX');
  await clearMailbox(BUSINESS, 'Sent');
  smtp = await startSmtpServer({ deliver: false });
  h = await startHarness();
  const ws = await h.api('POST', '/v1/admin/workspaces', { body: { name: 'email' }, headers: { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` } });
  key = ws.body.apiKey.key;
  const res = await h.api('POST', '/v1/channels', {
    key,
    body: { type: 'email', name: 'Support mailbox', settings: settings(smtp.port), secrets: { imapPassword: BUSINESS.password, smtpPassword: BUSINESS.password } },
  });
  expect(res.status).toBe(201);
  // A mailbox is watched, not posted to: it has no webhook URL.
  expect(res.body.webhookUrl).toBeNull();
  channelId = res.body.id;
}, 60_000);
afterAll(async () => {
  await h.close();
  await smtp.close();
});

const byMessageId = (id: string) => eventually(() => h.ctx.store.messages.findOne({ channelId, providerMessageId: id }).lean(), 20_000);
const conversationOf = async (id: string) => String((await byMessageId(id)).conversationId);

describe('email channel on real IMAP and SMTP servers', () => {
  let firstId: string;
  let conversationId: string;
  let ourMessageId: string;

  it('a new mail opens a conversation, with the new text stripped of quotes and signature', async () => {
    firstId = uniqueMessageId();
    await appendRaw(BUSINESS, plainMail({ from: CUSTOMER, to: BUSINESS, subject: 'Order 42 is late', messageId: firstId, text: 'Where is my order?\n\n-- \nCasey' }));
    const message = await byMessageId(firstId.replace(/[<>]/g, ''));
    conversationId = String(message.conversationId);
    expect(message.content).toMatchObject({ type: 'email', subject: 'Order 42 is late', newText: 'Where is my order?', from: CUSTOMER.address, automatic: false });
    const conversation = await h.ctx.store.conversations.findById(conversationId).lean();
    expect(conversation).toMatchObject({ subject: 'Order 42 is late', status: 'queued' });
    const view = await h.api('GET', `/v1/conversations/${conversationId}`, { key });
    expect(view.body.reply).toEqual({ canReply: true, windowExpiresAt: null, otherwise: null });
  });

  it('an agent reply goes out as a proper reply in the thread, and is copied to Sent', async () => {
    const res = await h.api('POST', `/v1/conversations/${conversationId}/messages`, { key, body: { type: 'text', text: 'It ships today.' } });
    expect(res.status).toBe(202);
    const [mail] = await smtp.waitForReceived(1, 20_000);
    const sent = await eventually(async () => {
      const m = await h.ctx.store.messages.findById(res.body.id).lean();
      return m?.status === 'sent' ? m : null;
    });
    ourMessageId = sent.providerMessageId ?? '';
    const bare = firstId.replace(/[<>]/g, '');
    expect(mail?.parsed.subject).toBe('Re: Order 42 is late');
    expect(mail?.parsed.inReplyTo).toBe(`<${bare}>`);
    expect(mail?.parsed.references).toContain(`<${bare}>`);
    expect(mail?.parsed.messageId).toBe(`<${ourMessageId}>`);
    expect(ourMessageId).toContain(conversationId);
    expect(mail?.envelope.rcptTo).toEqual([CUSTOMER.address]);
    await eventually(async () => (await listMailbox(BUSINESS, 'Sent')).some((e) => e.envelope?.messageId === `<${ourMessageId}>`), 10_000);
  });

  it("the customer's reply (Gmail style) joins the same conversation", async () => {
    const replyId = uniqueMessageId();
    await appendRaw(
      BUSINESS,
      gmailReply({
        from: CUSTOMER,
        to: BUSINESS,
        subject: 'Re: Order 42 is late',
        messageId: replyId,
        inReplyTo: ourMessageId,
        references: [firstId, ourMessageId],
        text: 'Thanks!',
        quoted: { from: BUSINESS, date: new Date(), text: 'It ships today.' },
      }),
    );
    const reply = await byMessageId(replyId.replace(/[<>]/g, ''));
    expect(String(reply.conversationId)).toBe(conversationId);
    expect(reply.content).toMatchObject({ type: 'email', newText: 'Thanks!' });
  });

  it('an Outlook reply carrying only In-Reply-To also threads; a stranger replying to the thread does not', async () => {
    const outlookId = uniqueMessageId();
    await appendRaw(
      BUSINESS,
      outlookReply({ from: CUSTOMER, to: BUSINESS, subject: 'RE: Order 42 is late', messageId: outlookId, inReplyTo: ourMessageId, text: 'One more thing.', quoted: { from: BUSINESS, date: new Date(), text: 'It ships today.' } }),
    );
    expect(await conversationOf(outlookId.replace(/[<>]/g, ''))).toBe(conversationId);

    const strangerId = uniqueMessageId();
    await appendRaw(BUSINESS, plainMail({ from: 'mallory@example.org', to: BUSINESS, subject: 'Re: Order 42 is late', messageId: strangerId, inReplyTo: ourMessageId, text: 'Hijack?' }));
    expect(await conversationOf(strangerId.replace(/[<>]/g, ''))).not.toBe(conversationId);
  });

  it('stores attachments like other media, and auto-replies are stored but marked automatic', async () => {
    const attachmentId = uniqueMessageId();
    await appendRaw(BUSINESS, attachmentsMail({ from: CUSTOMER, to: BUSINESS, subject: 'Photos', messageId: attachmentId, text: 'See attached.' }));
    const withFiles = await byMessageId(attachmentId.replace(/[<>]/g, ''));
    const attachments = withFiles.content.type === 'email' ? withFiles.content.attachments : [];
    expect(attachments.length).toBeGreaterThan(0);
    expect(attachments.every((a) => a.state === 'stored' && a.storedId)).toBe(true);
    const file = await fetch(`${h.baseUrl}/v1/media/${attachments[0]?.storedId}`, { headers: { authorization: `Bearer ${key}` } });
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBe(attachments[0]?.size);

    const autoId = uniqueMessageId();
    await appendRaw(BUSINESS, autoReply({ from: CUSTOMER, to: BUSINESS, subject: 'Out of office', messageId: autoId, signals: ['auto-submitted'] }));
    const auto = await byMessageId(autoId.replace(/[<>]/g, ''));
    expect(auto.content).toMatchObject({ type: 'email', automatic: true });
  });

  it('a bounce marks our message failed with the recipient status and opens no conversation', async () => {
    const conversationsBefore = await h.ctx.store.conversations.countDocuments({ channelId });
    await appendRaw(
      BUSINESS,
      bounce({
        to: BUSINESS,
        messageId: uniqueMessageId('mailer.omnigate.test'),
        original: { from: BUSINESS, to: CUSTOMER, subject: 'Re: Order 42 is late', messageId: ourMessageId },
        status: '5.1.1',
        diagnostic: '550 5.1.1 <customer@omnigate.test>: Recipient address rejected',
      }),
    );
    const failed = await eventually(async () => {
      const m = await h.ctx.store.messages.findOne({ channelId, providerMessageId: ourMessageId }).lean();
      return m?.status === 'failed' ? m : null;
    }, 20_000);
    expect(failed.error).toMatchObject({ code: '5.1.1', outcome: 'final' });
    expect(await h.ctx.store.conversations.countDocuments({ channelId })).toBe(conversationsBefore);
  });

  it('reads forwarded, HTML-only and non-UTF-8 mail through the real server', async () => {
    const forwardId = uniqueMessageId();
    await appendRaw(
      BUSINESS,
      forwardedMail({ from: CUSTOMER, to: BUSINESS, subject: 'Fwd: Invoice', messageId: forwardId, text: 'See the invoice below.', forwarded: { from: 'billing@example.org', date: new Date(), subject: 'Invoice', text: 'Amount due: 42 EUR' } }),
    );
    const forward = await byMessageId(forwardId.replace(/[<>]/g, ''));
    expect(forward.content).toMatchObject({ type: 'email', newText: 'See the invoice below.' });
    expect(forward.content.type === 'email' && forward.content.text).toContain('Amount due: 42 EUR');

    const htmlId = uniqueMessageId();
    await appendRaw(BUSINESS, htmlOnlyMail({ from: CUSTOMER, to: BUSINESS, subject: 'HTML only', messageId: htmlId, html: '<p>Hello <b>team</b></p>' }));
    const html = await byMessageId(htmlId.replace(/[<>]/g, ''));
    expect(html.content).toMatchObject({ type: 'email', html: expect.stringContaining('<b>team</b>') });
    expect(html.content.type === 'email' && html.content.newText).toContain('Hello team');

    const latinId = uniqueMessageId();
    await appendRaw(BUSINESS, nonUtf8Mail({ from: CUSTOMER, to: BUSINESS, messageId: latinId, subjectCharset: 'windows-1251' }));
    const latin = await byMessageId(latinId.replace(/[<>]/g, ''));
    expect(latin.content).toMatchObject({ type: 'email', subject: NON_UTF8_DEFAULTS.subjects['windows-1251'] });
    expect(latin.content.type === 'email' && latin.content.text).toContain('reçu ma commande numéro 4711');
  });

  it('a reply to an ended conversation opens a new one linked to it', async () => {
    // Ending a conversation is the lifecycle's business; here it is ended directly in the store.
    await h.ctx.store.conversations.updateOne({ _id: conversationId }, { $set: { status: 'resolved' }, $unset: { openThread: '' } });
    const lateReplyId = uniqueMessageId();
    await appendRaw(BUSINESS, plainMail({ from: CUSTOMER, to: BUSINESS, subject: 'Re: Order 42 is late', messageId: lateReplyId, inReplyTo: ourMessageId, text: 'It never came.' }));
    const reply = await byMessageId(lateReplyId.replace(/[<>]/g, ''));
    expect(String(reply.conversationId)).not.toBe(conversationId);
    const reopened = await h.ctx.store.conversations.findById(reply.conversationId).lean();
    expect(reopened).toMatchObject({ status: 'queued', subject: 'Re: Order 42 is late' });
    expect(String(reopened?.previousConversationId)).toBe(conversationId);
    await h.ctx.store.conversations.updateOne({ _id: conversationId }, { $set: { status: 'queued' } });
  });

  it('SMTP refusals: 5xx fails at once with the server reply', async () => {
    smtp.setFailure(() => ({ code: 550, message: '5.7.1 Message rejected as spam' }));
    try {
      const res = await h.api('POST', `/v1/conversations/${conversationId}/messages`, { key, body: { type: 'text', text: 'Buy now' } });
      const failed = await eventually(async () => {
        const m = await h.ctx.store.messages.findById(res.body.id).lean();
        return m?.status === 'failed' ? m : null;
      }, 20_000);
      expect(failed.error).toMatchObject({ code: '550', outcome: 'final' });
      expect(failed.error?.title).toContain('rejected as spam');
    } finally {
      smtp.setFailure(null);
    }
  });

  it('a mailbox whose password fails puts its channel in error, visibly, without stopping the others', async () => {
    const bad = await h.api('POST', '/v1/channels', {
      key,
      body: { type: 'email', name: 'Broken mailbox', settings: { ...settings(smtp.port), address: TEST_USERS.support.address, imap: { ...settings(smtp.port).imap, user: TEST_USERS.support.user } }, secrets: { imapPassword: 'wrong', smtpPassword: 'wrong' } },
    });
    expect(bad.status).toBe(201);
    const channel = await eventually(async () => {
      const view = await h.api('GET', `/v1/channels/${bad.body.id}`, { key });
      return view.body.state === 'error' ? view.body : null;
    }, 20_000);
    expect(channel.stateReason).toMatch(/authentication/i);
    // Announced right after the state is written: waited for, not read at once.
    await eventually(async () => (await h.ctx.store.events.countDocuments({ type: 'channel.state_changed', 'data.channelId': bad.body.id, 'data.state': 'error' })) > 0);
    // The good mailbox still works.
    const stillId = uniqueMessageId();
    await appendRaw(BUSINESS, plainMail({ from: CUSTOMER, to: BUSINESS, subject: 'Still working?', messageId: stillId, text: 'Yes' }));
    await byMessageId(stillId.replace(/[<>]/g, ''));
  });
  // Last: it stops the gateway's own mailbox watchers and runs a fresh set, as after a restart.
  it('refetching after a restart or a UIDVALIDITY change creates no duplicates', async () => {
    const count = () => h.ctx.store.messages.countDocuments({ channelId, direction: 'inbound' });
    const before = await count();
    // As if the process crashed before saving its position: everything is fetched again.
    await h.ctx.pull.stopAll();
    await h.ctx.store.channels.updateOne({ _id: channelId }, { $unset: { cursor: '' } });
    const lateId = uniqueMessageId();
    await appendRaw(BUSINESS, plainMail({ from: CUSTOMER, to: BUSINESS, subject: 'While you were away', messageId: lateId, text: 'Hello again' }));
    const { PullManager } = await import('../src/ingest/pull-manager.js');
    const pull = new PullManager({ ...h.ctx, keyPrefix: h.ctx.config.QUEUE_PREFIX });
    await pull.startAll();
    try {
      await byMessageId(lateId.replace(/[<>]/g, ''));
      await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId, state: 'received' })) === 0, 20_000);
      expect(await count()).toBe(before + 1);

      const validityBefore = (await h.ctx.store.channels.findById(channelId).lean())?.cursor?.uidValidity;
      await resetUidValidity(BUSINESS, 'INBOX');
      const afterResetId = uniqueMessageId();
      await appendRaw(BUSINESS, plainMail({ from: CUSTOMER, to: BUSINESS, subject: 'After the reset', messageId: afterResetId, text: 'Still here' }));
      await byMessageId(afterResetId.replace(/[<>]/g, ''));
      await eventually(async () => (await h.ctx.store.channels.findById(channelId).lean())?.cursor?.uidValidity !== validityBefore, 20_000);
      await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId, state: 'received' })) === 0, 20_000);
      expect(await count()).toBe(before + 2);
    } finally {
      await pull.stopAll();
    }
  });
});
