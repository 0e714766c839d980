import { readFileSync } from 'node:fs';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withAccountHeader } from '../connectors/email/imap-source.js';
import type { ChannelDoc } from '../src/store/models/channel.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

/**
 * The email platform rules end to end, without a mail server: each mail is recorded exactly as
 * the IMAP watcher records it (PullSink.record → RawEventRecorder, with the mailbox's account
 * header on top), and everything else is read through the API.
 */

const ADDRESS = 'support@omnigate.test';
let h: Harness;
let key: string;
let agentKey: string;
let channel: ChannelDoc;
let workspaceId: Types.ObjectId;

const api = (method: string, path: string, body?: unknown, withKey = key) => h.api(method, path, { key: withKey, body });
const fixture = (name: string) => readFileSync(new URL(`../connectors/email/fixtures/${name}.eml`, import.meta.url));
/** A mail as the watcher hands it to the sink. */
const deliver = (raw: Buffer) => h.ctx.recorder.record(channel, withAccountHeader(raw, ADDRESS), 'message/rfc822');
/** The stored message of a Message-ID, once the inbound job has run. */
const messageOf = (messageId: string) => eventually(() => h.ctx.store.messages.findOne({ channelId: channel._id, providerMessageId: messageId }).lean());
const conversation = async (id: string) => (await api('GET', `/v1/conversations/${id}`)).body;

beforeAll(async () => {
  h = await startHarness();
  // No mailbox is watched here: the tests record mail as the watcher would.
  await h.ctx.pull.stopAll();
  const ws = await h.api('POST', '/v1/admin/workspaces', { body: { name: 'email rules' }, headers: { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` } });
  key = ws.body.apiKey.key;
  workspaceId = new Types.ObjectId(ws.body.workspace.id as string);
  agentKey = (await api('POST', '/v1/api-keys', { name: 'agent', role: 'agent' })).body.key;
  const server = { host: '127.0.0.1', port: 1143, secure: false, user: 'support' };
  const res = await api('POST', '/v1/channels', { type: 'email', name: 'Support', settings: { address: ADDRESS, imap: server, smtp: { ...server, port: 1025 } }, secrets: { imapPassword: 'x', smtpPassword: 'x' } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  channel = (await h.ctx.store.channels.findById(res.body.id).lean())!;
}, 60_000);
afterAll(async () => {
  await h.close();
});

/** Until no events job waits or runs: every reaction to what was recorded has been done. */
const settled = () =>
  eventually(async () => {
    const counts = await h.ctx.queues.events.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(counts).every((n) => n === 0);
  });

const OUTLOOK_REPLY_ID = 'AM9PR08MB6739A1B2C3D4E5F6A7B8C9D0E1F2A@AM9PR08MB6739.eurprd08.prod.outlook.com';
const OUT_OF_OFFICE_ID = 'AM9PR08MB67390F1E2D3C4B5A69788796A5B4C@AM9PR08MB6739.eurprd08.prod.outlook.com';

describe('automatic mail', () => {
  it('sets off no rule and no routing, except rules that ask for automatic messages', async () => {
    const rule = async (body: Record<string, unknown>) => {
      const res = await api('POST', '/v1/automation-rules', { name: String(body.trigger), ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const applications = (ruleId: string) => h.ctx.store.events.countDocuments({ workspaceId, type: 'automation.rule_applied', 'data.rule.id': ruleId });
    const everyMessage = await rule({ trigger: 'message.received', actions: [{ type: 'add_tag', tag: 'seen' }] });
    const everyConversation = await rule({ trigger: 'conversation.created', actions: [{ type: 'add_tag', tag: 'new' }] });
    const autoReplies = await rule({
      trigger: 'message.received',
      conditions: [{ field: 'message.automatic', operator: 'equals', value: true }],
      actions: [{ type: 'add_tag', tag: 'auto-reply' }],
    });

    // John writes: his rules run and the conversation is routed.
    await deliver(fixture('outlook-reply'));
    const conversationId = String((await messageOf(OUTLOOK_REPLY_ID)).conversationId);
    const routed = await eventually(async () => {
      const c = await conversation(conversationId);
      return c.queueId && c.tags.includes('seen') && c.tags.includes('new') ? c : null;
    });
    expect(routed.tags).not.toContain('auto-reply');

    // His out-of-office reply joins the thread; only the rule asking for automatic messages acts on it.
    await deliver(fixture('out-of-office'));
    const outOfOffice = await messageOf(OUT_OF_OFFICE_ID);
    expect(String(outOfOffice.conversationId)).toBe(conversationId);
    await eventually(async () => (await conversation(conversationId)).tags.includes('auto-reply'));
    await settled();
    expect(await applications(everyMessage)).toBe(1);
    expect(await applications(everyConversation)).toBe(1);

    // An auto-reply that starts a conversation of its own: not routed, no rule but the one asking.
    const unthreaded = fixture('out-of-office')
      .toString('latin1')
      .replace(/^References:[^\r]*\r\n [^\r]*\r\n/m, '')
      .replace(/^In-Reply-To:[^\r]*\r\n/m, '')
      .replace(OUT_OF_OFFICE_ID, 'AM9PR08MB6739FFEE00112233445566778899AA@AM9PR08MB6739.eurprd08.prod.outlook.com')
      .replaceAll('John.Smith@contoso.com', 'Omar.Haddad@contoso.com');
    await deliver(Buffer.from(unthreaded, 'latin1'));
    const opened = String((await messageOf('AM9PR08MB6739FFEE00112233445566778899AA@AM9PR08MB6739.eurprd08.prod.outlook.com')).conversationId);
    expect(opened).not.toBe(conversationId);
    await eventually(async () => (await conversation(opened)).tags.includes('auto-reply'));
    await settled();
    expect(await conversation(opened)).toMatchObject({ status: 'queued', queueId: null, tags: ['auto-reply'] });
    expect(await applications(everyMessage)).toBe(1);
    expect(await applications(everyConversation)).toBe(1);
    expect(await applications(autoReplies)).toBe(2);
  });
});

describe('mailing-list and bulk mail', () => {
  it('waits in quarantine, with no contact and no conversation, until an admin releases it, once', async () => {
    const contactsBefore = (await api('GET', '/v1/contacts')).body.data.length;
    const conversationsBefore = (await api('GET', '/v1/conversations')).body.data.length;
    await deliver(fixture('mailing-list'));
    await deliver(fixture('newsletter'));
    const held = await eventually(async () => {
      const list = await api('GET', '/v1/quarantine');
      return list.body.data.length === 2 ? (list.body.data as Record<string, unknown>[]) : null;
    });
    const post = held.find((q) => q.from === 'maria.lopez@example.org');
    expect(post).toMatchObject({
      channelId: String(channel._id),
      subject: '[Announce] Community meetup on 12 June',
      state: 'held',
      releasedAt: null,
      conversationId: null,
      messageId: null,
    });
    expect(held.map((q) => q.from)).toContain('news@parcelsupplies.example');
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: channel._id, state: 'received' })) === 0);
    expect((await api('GET', '/v1/contacts')).body.data).toHaveLength(contactsBefore);
    expect((await api('GET', '/v1/conversations')).body.data).toHaveLength(conversationsBefore);
    // Recorded again (a refetch): still held once.
    await deliver(Buffer.concat([Buffer.from('X-Refetch: 1\r\n'), fixture('mailing-list')]));
    await eventually(async () => (await h.ctx.store.rawEvents.countDocuments({ channelId: channel._id, state: 'received' })) === 0);
    expect((await api('GET', '/v1/quarantine')).body.data).toHaveLength(2);

    expect((await api('GET', '/v1/quarantine', undefined, agentKey)).status).toBe(403);
    expect((await api('POST', `/v1/quarantine/${String(post?.id)}/release`, undefined, agentKey)).status).toBe(403);

    const released = await api('POST', `/v1/quarantine/${String(post?.id)}/release`);
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body).toMatchObject({ id: post?.id, state: 'released', releasedAt: expect.any(String), conversationId: expect.any(String), messageId: expect.any(String) });
    // Ingested like any mail: a contact, a conversation people are routed to, the message in it.
    const opened = await eventually(async () => {
      const c = await conversation(released.body.conversationId);
      return c.queueId ? c : null;
    });
    expect(opened.status).toBe('queued');
    expect(opened.messages.data.map((m: { id: string }) => m.id)).toEqual([released.body.messageId]);
    expect(opened.messages.data[0].content).toMatchObject({ type: 'email', from: 'maria.lopez@example.org', automatic: true, bulk: true });
    expect((await api('GET', '/v1/contacts')).body.data).toHaveLength(contactsBefore + 1);

    const again = await api('POST', `/v1/quarantine/${String(post?.id)}/release`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(released.body);
    expect((await api('GET', '/v1/conversations')).body.data).toHaveLength(conversationsBefore + 1);
    const stillHeld = await api('GET', '/v1/quarantine?state=held');
    expect(stillHeld.body.data.map((q: { from: string }) => q.from)).toEqual(['news@parcelsupplies.example']);
    expect((await api('POST', `/v1/quarantine/${new Types.ObjectId().toHexString()}/release`)).status).toBe(404);
  });
});

describe('HTML mail', () => {
  it('is served sanitised: no scripts or handlers, remote images blocked unless asked for, cid: images at their stored copy', async () => {
    await deliver(fixture('html-remote-content'));
    const stored = await messageOf('7c2e9a41-5b3d-4f1e-8a6c-2d9b0e4f7a13@example.com');
    const read = await api('GET', `/v1/messages/${String(stored._id)}`);
    expect(read.status).toBe(200);
    const { html, attachments } = read.body.content;
    expect(attachments).toMatchObject([{ contentId: 'part1.Zp0bLh2q.N3E2rT0w@example.com', state: 'stored', storedId: expect.any(String) }]);
    for (const gone of ['<script', 'onload', 'onerror', 'onclick', 'javascript:', '<style', '<iframe', '<form', 'url(', 'cid:']) expect(html).not.toContain(gone);
    expect(html).not.toMatch(/\ssrc="https?:/);
    expect(html).toContain('data-remote-src="https://tracker.example.net/open.gif?u=ana"');
    const inline = `/v1/media/${attachments[0].storedId}`;
    expect(html).toContain(`<img src="${inline}" alt="The crushed box"`);
    const image = await fetch(`${h.baseUrl}${inline}`, { headers: { authorization: `Bearer ${key}` } });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');

    // The conversation's pages show the same stored HTML.
    const page = await api('GET', `/v1/conversations/${String(stored.conversationId)}/messages`);
    expect(page.body.data[0].content.html).toBe(html);

    const allowed = await api('GET', `/v1/messages/${String(stored._id)}?remoteContent=allow`);
    expect(allowed.body.content.html).toContain('src="https://tracker.example.net/open.gif?u=ana"');
    expect(allowed.body.content.html).toContain(`<img src="${inline}"`);
    expect(allowed.body.content.html).not.toContain('<script');
    expect((await api('GET', `/v1/messages/${String(stored._id)}?remoteContent=block`)).body.content.html).toBe(html);
    expect((await api('GET', `/v1/messages/${String(stored._id)}?remoteContent=maybe`)).status).toBe(400);
  });
});
