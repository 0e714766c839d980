import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWhatsAppWebhook } from './support/customer.js';
import { ticketReferenceOf } from '../src/conversations/escalation.js';
import { loadTranscript, renderTranscriptText } from '../src/conversations/transcript.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { HelpdeskStub } from './support/helpdesk-stub.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let ws: WhatsAppFixture;
let helpdesk: HelpdeskStub;
let subscriptionId: string;
let conversationId: string;

beforeAll(async () => {
  h = await startHarness();
  ws = await createWhatsAppWorkspace(h);
  helpdesk = await HelpdeskStub.start();
  const sub = await h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url: helpdesk.url(), events: ['conversation.escalated', 'conversation.updated'] } });
  subscriptionId = sub.body.id;
  helpdesk.secrets = [sub.body.secret];
  // The helpdesk opens a ticket for each escalation and answers with its reference.
  helpdesk.answer = (r) => (r.event.type === 'conversation.escalated' ? { status: 201, body: { ticket: { id: 'T-42', url: 'https://helpdesk.test/T-42' } } } : { status: 200 });

  for (const [id, text] of [['wamid.ESC1', 'My order never arrived'], ['wamid.ESC2', 'It is order 1234']]) {
    await postWhatsAppWebhook(h, ws, textMessage(ws.phoneNumberId, { id: id!, from: '15551230001', timestamp: unix(h.clock.now()), text: text!, name: 'Ana Lima' }));
    const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: id }).lean());
    conversationId = String(message.conversationId);
    h.clock.advance(60_000);
  }
});
afterAll(async () => {
  await helpdesk.stop();
  await h.close();
});

const escalations = () => helpdesk.accepted.filter((r) => r.event.type === 'conversation.escalated');

describe('conversation escalation', () => {
  it('sends the conversation, contact and transcript to the helpdesk and records its ticket', async () => {
    const headers = { 'idempotency-key': 'escalate-1' };
    const res = await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: ws.key, body: { note: 'Angry customer, please call' }, headers });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ conversationId, subscriptionId: null, eventId: expect.stringMatching(/^conversation_escalated-/) });
    const again = await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: ws.key, body: { note: 'Angry customer, please call' }, headers });
    expect(again.body.eventId).toBe(res.body.eventId);

    const received = await eventually(async () => escalations().find((r) => r.webhookId === res.body.eventId));
    expect(received.verifiedWith).toEqual(helpdesk.secrets);
    const { data } = received.event;
    expect(data.conversation.id).toBe(conversationId);
    expect(data.note).toBe('Angry customer, please call');
    expect(data.contact).toMatchObject({ name: 'Ana Lima', identities: [{ channelId: ws.channelId, externalId: '15551230001' }] });
    expect(data.transcript.map((m: { text: string }) => m.text)).toEqual(['My order never arrived', 'It is order 1234']);
    expect(data.transcript[0]).toMatchObject({ direction: 'inbound', author: 'contact', internal: false, type: 'text', attachments: [] });
    expect(data.transcriptText).toContain('Ana Lima: My order never arrived');
    expect(data.transcriptTruncated).toBe(false);

    const conversation = await eventually(async () => {
      const c = await h.api('GET', `/v1/conversations/${conversationId}`, { key: ws.key });
      return c.body.ticket ? c.body : null;
    });
    expect(conversation.ticket).toMatchObject({ reference: 'T-42', subscriptionId });
    const updated = await eventually(async () => helpdesk.accepted.find((r) => r.event.type === 'conversation.updated' && r.event.data.changed?.includes('ticket')));
    expect(updated.event.data).toMatchObject({ conversation: { id: conversationId, ticket: { reference: 'T-42' } }, changed: ['ticket'] });
    expect(escalations().filter((r) => r.webhookId === res.body.eventId)).toHaveLength(1);
  });

  it('makes each escalation without an Idempotency-Key a new event; the same ticket changes nothing', async () => {
    const before = escalations().length;
    const first = await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: ws.key, body: {} });
    const second = await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: ws.key });
    expect(first.status).toBe(202);
    expect(second.body.eventId).not.toBe(first.body.eventId);
    await eventually(async () => escalations().length === before + 2);
    await eventually(async () => (await h.ctx.store.webhookDeliveries.countDocuments({ eventType: 'conversation.escalated', state: 'delivered' })) === 3);
    const updates = await h.ctx.store.events.find({ type: 'conversation.updated', conversationId }).lean();
    expect(updates.filter((e) => (e.data.changed as string[] | undefined)?.includes('ticket'))).toHaveLength(1);
  });

  it('goes to the one helpdesk named, whatever its filter, and takes its reference', async () => {
    const other = await HelpdeskStub.start();
    try {
      const sub = await h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url: other.url(), events: ['channel.created'] } });
      other.secrets = [sub.body.secret];
      other.answer = () => ({ status: 200, body: { ticket_id: 99 } });
      const before = escalations().length;
      const res = await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: ws.key, body: { subscriptionId: sub.body.id } });
      expect(res.status).toBe(202);
      await eventually(async () => other.accepted.some((r) => r.webhookId === res.body.eventId));
      const conversation = await eventually(async () => {
        const c = await h.ctx.store.conversations.findById(conversationId).lean();
        return c?.ticket?.reference === '99' ? c : null;
      });
      expect(String(conversation.ticket!.subscriptionId)).toBe(sub.body.id);
      expect(escalations()).toHaveLength(before);

      await h.api('PATCH', `/v1/webhook-subscriptions/${sub.body.id}`, { key: ws.key, body: { enabled: false } });
      const disabled = await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: ws.key, body: { subscriptionId: sub.body.id } });
      expect(disabled.status).toBe(409);
      expect(disabled.body.error.code).toBe('subscription_disabled');
    } finally {
      await other.stop();
    }
  });

  it('refuses unknown conversations, other workspaces and bad bodies', async () => {
    const other = await createWhatsAppWorkspace(h);
    expect((await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: other.key, body: {} })).status).toBe(404);
    expect((await h.api('POST', '/v1/conversations/0123456789abcdef01234567/escalate', { key: ws.key, body: {} })).status).toBe(404);
    expect((await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: ws.key, body: { priority: 'high' } })).status).toBe(400);
    const unknownSub = await h.api('POST', `/v1/conversations/${conversationId}/escalate`, { key: ws.key, body: { subscriptionId: '0123456789abcdef01234567' } });
    expect(unknownSub.status).toBe(404);
  });

  it('renders a transcript as plain text, notes and attachments marked', async () => {
    const conversation = await h.ctx.store.conversations.findById(conversationId).lean();
    const transcript = await loadTranscript(h.ctx.store, conversation!);
    const base = transcript.messages[0]!;
    const text = renderTranscriptText({
      ...transcript,
      messages: [
        base,
        { ...base, id: 'n1', direction: 'outbound', author: 'agent', internal: true, text: 'Checking the courier' },
        { ...base, id: 'm3', direction: 'outbound', author: 'agent', type: 'document', text: null, caption: 'Your invoice', attachments: ['invoice.pdf'] },
      ],
    });
    expect(text.split('\n')).toEqual([
      `Conversation ${conversationId} with Ana Lima`,
      `Status: ${conversation!.status}`,
      '',
      `[${base.at}] Ana Lima: My order never arrived`,
      `[${base.at}] agent (internal note): Checking the courier`,
      `[${base.at}] agent: Your invoice`,
      '  attachment: invoice.pdf',
      '',
    ]);
  });

  it('reads a ticket reference from the usual answer shapes only', () => {
    expect(ticketReferenceOf('{"ticketId":"A-1"}')).toBe('A-1');
    expect(ticketReferenceOf('{"ticket_id":17}')).toBe('17');
    expect(ticketReferenceOf('{"reference":" R-9 "}')).toBe('R-9');
    expect(ticketReferenceOf('{"ticket":{"reference":"Z-3"}}')).toBe('Z-3');
    expect(ticketReferenceOf('{"ok":true}')).toBeNull();
    expect(ticketReferenceOf('{"ticketId":""}')).toBeNull();
    expect(ticketReferenceOf('{"ticketId":{"nested":1}}')).toBeNull();
    expect(ticketReferenceOf('thanks')).toBeNull();
    expect(ticketReferenceOf('{"ticketId":"cut sh')).toBeNull();
    expect(ticketReferenceOf(JSON.stringify({ ticketId: 'x'.repeat(201) }))).toBeNull();
  });
});
