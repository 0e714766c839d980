import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';

let h: Harness;
let wa: WhatsAppFixture;

useProviderStandIns();
beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(async () => {
  await h.close();
});

const start = (body: unknown, key = wa.key) => h.api('POST', '/v1/outbound-conversations', { key, body });
const template = { type: 'template', template: { name: 'conversation_restart', language: 'en', components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }] }] } };

describe('starting an outbound conversation on WhatsApp', () => {
  it('refuses free-form with template_required and leaves nothing behind', async () => {
    const res = await start({ channelId: wa.channelId, to: '15553330001', message: { type: 'text', text: 'Hello!' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('template_required');
    expect(await h.ctx.store.contactIdentities.countDocuments({ channelId: wa.channelId, externalId: '15553330001' })).toBe(0);
    expect(await h.ctx.store.conversations.countDocuments({ channelId: wa.channelId })).toBe(0);
  });

  it('refuses a template that is not approved, also leaving nothing', async () => {
    const res = await start({ channelId: wa.channelId, to: '15553330001', message: template });
    expect(res.body.error.code).toBe('template_not_approved');
    expect(await h.ctx.store.conversations.countDocuments({ channelId: wa.channelId })).toBe(0);
  });

  it('sends an approved template: 202 with the new conversation and its queued message, which goes out', async () => {
    await h.ctx.store.templates.updateOne({ channelId: wa.channelId, name: 'conversation_restart' }, { $set: { status: 'APPROVED' } });
    let sentBody: any;
    nock(GRAPH_BASE_URL)
      .post(`/v23.0/${wa.phoneNumberId}/messages`)
      .reply(200, (_uri, body) => {
        sentBody = body;
        return { messages: [{ id: 'wamid.OUTBOUND1' }] };
      });
    const res = await start({ channelId: wa.channelId, to: '15553330001', message: template });
    expect(res.status).toBe(202);
    expect(res.body.conversation).toMatchObject({ channelId: wa.channelId, status: 'queued' });
    expect(res.body.message).toMatchObject({ conversationId: res.body.conversation.id, type: 'template', status: 'queued' });
    await eventually(async () => (await h.ctx.store.messages.findById(res.body.message.id).lean())?.status === 'accepted');
    expect(sentBody).toMatchObject({ to: '15553330001', type: 'template', template: { name: 'conversation_restart' } });

    // The contact's open conversation is found again, not duplicated; free-form stays refused until they write.
    const again = await start({ channelId: wa.channelId, to: '15553330001', message: { type: 'text', text: 'Still there?' } });
    expect(again.body.error.code).toBe('template_required');
    expect(await h.ctx.store.conversations.countDocuments({ channelId: wa.channelId })).toBe(1);
  });

  it('answers 404 for a channel of another workspace, 400 for a bad body', async () => {
    const other = await createWhatsAppWorkspace(h);
    expect((await start({ channelId: other.channelId, to: '15553330002', message: template })).status).toBe(404);
    expect((await start({ channelId: wa.channelId, to: '15553330002', message: { type: 'text' } })).status).toBe(400);
    expect((await start({ channelId: wa.channelId, to: '15553330002', subject: 'Hi', message: template })).status).toBe(400);
  });
});

describe('starting an outbound conversation by email', () => {
  it('sends free-form text in a new thread conversation with its subject', async () => {
    // Dead ports: this test looks at what the API accepts and stores, not at delivery.
    const channel = await h.api('POST', '/v1/channels', {
      key: wa.key,
      body: {
        type: 'email',
        name: 'Mailbox',
        settings: {
          address: 'support@acme.test',
          imap: { host: '127.0.0.1', port: 1, secure: false, user: 'support@acme.test' },
          smtp: { host: '127.0.0.1', port: 1, secure: false, user: 'support@acme.test' },
        },
        secrets: { imapPassword: 'x', smtpPassword: 'x' },
      },
    });
    expect(channel.status).toBe(201);
    const body = { channelId: channel.body.id, to: 'casey@customer.test', subject: 'Your order', message: { type: 'text', text: 'It shipped.' } };
    const first = await start(body);
    expect(first.status).toBe(202);
    expect(first.body.conversation).toMatchObject({ channelId: channel.body.id, status: 'queued' });
    expect(await h.ctx.store.conversations.findById(first.body.conversation.id).lean()).toMatchObject({ subject: 'Your order' });
    expect(first.body.message).toMatchObject({ type: 'text', conversationId: first.body.conversation.id });

    // Each start on a thread-scoped channel is its own thread, for the same contact.
    const second = await start({ ...body, subject: 'Another matter' });
    expect(second.status).toBe(202);
    expect(second.body.conversation.id).not.toBe(first.body.conversation.id);
    const conversations = await h.ctx.store.conversations.find({ channelId: channel.body.id }).lean();
    expect(new Set(conversations.map((c) => String(c.contactId))).size).toBe(1);

    // One recipient, a plain address: a list, a header injection or a display name is refused with nothing stored.
    const stored = async () => [await h.ctx.store.contacts.countDocuments({ workspaceId: wa.workspaceId }), await h.ctx.store.conversations.countDocuments({ channelId: channel.body.id })];
    const before = await stored();
    for (const to of ['a@b.example, victim@evil.example', 'casey@customer.test\r\nBcc: victim@evil.example', 'Casey <casey@customer.test>', 'a@b.example;c@d.example', 'not an address']) {
      const refused = await start({ ...body, to });
      expect(refused.status).toBe(400);
      expect(refused.body.error.code).toBe('invalid_recipient');
    }
    expect(await stored()).toEqual(before);
  });
});
