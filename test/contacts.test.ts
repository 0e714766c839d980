import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addWhatsAppChannel, newPhoneNumber, postWhatsAppWebhook, receiveText } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { messagesWebhook, unix } from './support/whatsapp-payloads.js';

let h: Harness;
let wa: WhatsAppFixture;

beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(async () => {
  await h.close();
});

const api = (method: string, path: string, body?: unknown, key = wa.key) => h.api(method, path, { key, body });
/** A customer's text through the signed webhook (wa_id `from`, or a username-only identity); resolves once stored, announced and routed. */
const inbound = (fixture: WhatsAppFixture, from: string, opts: { name?: string; text?: string } = {}) => receiveText(h, fixture, from, opts);
const addChannel = (fixture: WhatsAppFixture) => addWhatsAppChannel(h, fixture);

describe('list and search', () => {
  it('lists contacts newest first in pages and searches name, email and phone literally', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const ana = await inbound(ws, '15550001001', { name: 'Ana Müller' });
    const bo = await inbound(ws, '15550001002', { name: 'Bo (Support)' });
    const cy = await inbound(ws, '15550001003', { name: 'Cy' });
    expect((await api('PATCH', `/v1/contacts/${cy.contactId}`, { email: 'cy.x@shop.example' }, ws.key)).status).toBe(200);

    const first = await api('GET', '/v1/contacts?limit=2', undefined, ws.key);
    expect(first.status).toBe(200);
    const second = await api('GET', `/v1/contacts?limit=2&cursor=${first.body.nextCursor}`, undefined, ws.key);
    expect([...first.body.data, ...second.body.data].map((c: { id: string }) => c.id)).toEqual([cy.contactId, bo.contactId, ana.contactId]);
    expect(second.body.nextCursor).toBeNull();

    const search = async (q: string) => (await api('GET', `/v1/contacts?q=${encodeURIComponent(q)}`, undefined, ws.key)).body.data.map((c: { id: string }) => c.id);
    expect(await search('müller')).toEqual([ana.contactId]);
    expect(await search('CY.X@SHOP')).toEqual([cy.contactId]);
    expect(await search('0001002')).toEqual([bo.contactId]);
    expect(await search('+1 555 000 1003')).toEqual([cy.contactId]);
    expect(await search('(support)')).toEqual([bo.contactId]);
    expect(await search('cy.x@shop.')).toEqual([cy.contactId]);
    expect(await search('cy.x@shop..')).toEqual([]);
    expect(await search('a.a')).toEqual([]);
    expect(await search('nobody')).toEqual([]);
    // What only a channel identity knows (here a username-only WhatsApp identity) is found too.
    const zed = await inbound(ws, 'zed_fan_01', { name: 'Zed' });
    expect(await search('FAN_0')).toEqual([zed.contactId]);
    // Only the caller's workspace.
    expect((await api('GET', '/v1/contacts?q=m%C3%BCller')).body.data).toEqual([]);
  });
});

describe('get', () => {
  it('shows the channel identities and a page of conversations', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const number = newPhoneNumber();
    const { contactId, conversationId } = await inbound(ws, number, { name: 'Dana' });
    expect((await api('POST', `/v1/conversations/${conversationId}/status`, { status: 'closed' }, ws.key)).status).toBe(200);
    const again = await inbound(ws, number, { name: 'Dana' });
    expect(again.contactId).toBe(contactId);

    const res = await api('GET', `/v1/contacts/${contactId}?limit=1`, undefined, ws.key);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: contactId, name: 'Dana', phone: number });
    expect(res.body.identities).toEqual([{ channelId: ws.channelId, externalId: number, phone: number, displayName: 'Dana', username: null, userId: null, retiredAt: null }]);
    expect(res.body.conversations.data.map((c: { id: string }) => c.id)).toEqual([again.conversationId]);
    const next = await api('GET', `/v1/contacts/${contactId}?limit=1&cursor=${res.body.conversations.nextCursor}`, undefined, ws.key);
    expect(next.body.conversations).toMatchObject({ data: [{ id: conversationId, status: 'closed' }], nextCursor: null });
    expect((await api('GET', `/v1/contacts/${new Types.ObjectId().toHexString()}`, undefined, ws.key)).status).toBe(404);
  });
});

describe('update', () => {
  it('changes fields, merges attributes key by key (null deletes) and emits contact.updated', async () => {
    const { contactId } = await inbound(wa, newPhoneNumber(), { name: 'Eve' });
    const first = await api('PATCH', `/v1/contacts/${contactId}`, { email: 'eve@example.test', attributes: { plan: 'gold', seats: 5, vip: true } });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toMatchObject({ name: 'Eve', email: 'eve@example.test', attributes: { plan: 'gold', seats: 5, vip: true } });

    h.clock.advance(1000);
    const second = await api('PATCH', `/v1/contacts/${contactId}`, { name: null, attributes: { seats: 6, vip: null, language: 'pt' } });
    expect(second.body).toMatchObject({ name: null, email: 'eve@example.test' });
    expect(second.body.attributes).toEqual({ plan: 'gold', seats: 6, language: 'pt' });

    const events = await h.ctx.store.events.find({ type: 'contact.updated', 'data.contact.id': contactId }).sort({ occurredAt: 1 }).lean();
    expect(events.map((e) => e.data.changed)).toEqual([['email', 'attributes'], ['name', 'attributes']]);
  });

  it('refuses unknown fields, bad values, path-like attribute names and an empty body', async () => {
    const { contactId } = await inbound(wa, newPhoneNumber());
    for (const body of [{ nickname: 'x' }, { email: 'not-an-email' }, { phone: 'call me' }, { attributes: { 'a.b': 1 } }, { attributes: { $set: 1 } }, { attributes: { o: { nested: 1 } } }, {}]) {
      const res = await api('PATCH', `/v1/contacts/${contactId}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((await h.ctx.store.contacts.findById(contactId).lean())?.attributes).toEqual({});
  });
});

describe('merge', () => {
  it('moves identities, conversations and messages to the kept contact and removes the other', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const second = await addChannel(ws);
    const kept = await inbound(ws, newPhoneNumber(), { name: 'Fay' });
    const otherNumber = newPhoneNumber();
    const merged = await inbound(second, otherNumber, { name: 'Fay M.' });
    expect((await api('PATCH', `/v1/contacts/${merged.contactId}`, { email: 'fay@example.test', attributes: { plan: 'gold' } }, ws.key)).status).toBe(200);
    expect((await api('PATCH', `/v1/contacts/${kept.contactId}`, { attributes: { plan: 'basic', city: 'Porto' } }, ws.key)).status).toBe(200);

    const res = await api('POST', `/v1/contacts/${kept.contactId}/merge`, { contactId: merged.contactId }, ws.key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ mergedContactId: merged.contactId, identities: 1, conversationIds: [merged.conversationId], messages: 1, resolvedConversationIds: [] });
    // The kept contact's values win; the other fills what it lacked.
    expect(res.body.contact).toMatchObject({ id: kept.contactId, name: 'Fay', email: 'fay@example.test', attributes: { plan: 'basic', city: 'Porto' } });

    const view = await api('GET', `/v1/contacts/${kept.contactId}`, undefined, ws.key);
    expect(view.body.identities.map((i: { channelId: string }) => i.channelId).sort()).toEqual([ws.channelId, second.channelId].sort());
    expect(view.body.conversations.data.map((c: { id: string }) => c.id).sort()).toEqual([kept.conversationId, merged.conversationId].sort());
    expect(await h.ctx.store.messages.countDocuments({ contactId: merged.contactId })).toBe(0);
    expect((await api('GET', `/v1/contacts/${merged.contactId}`, undefined, ws.key)).status).toBe(404);
    const event = await h.ctx.store.events.findOne({ type: 'contact.merged', 'data.mergedContactId': merged.contactId }).lean();
    expect(event?.data).toMatchObject({ contact: { id: kept.contactId }, conversationIds: [merged.conversationId] });

    // The moved open conversation keeps receiving the merged identity's messages.
    const later = await inbound(second, otherNumber, { text: 'me again' });
    expect(later).toMatchObject({ conversationId: merged.conversationId, contactId: kept.contactId });
  });

  it('resolves the other contact’s open conversation when both have one open on the same channel', async () => {
    const ws = await createWhatsAppWorkspace(h);
    // One person, two identities on one channel (a phone number, and a username-only identity).
    const kept = await inbound(ws, newPhoneNumber(), { name: 'Gil' });
    const username = `gil_${randomBytes(3).toString('hex')}`;
    const id = `wamid.UN${randomBytes(6).toString('hex')}`;
    await postWhatsAppWebhook(h, ws, messagesWebhook(ws.phoneNumberId, [{ id, from: username, timestamp: unix(h.clock.now()), type: 'text', text: { body: 'it is me, Gil' }, name: 'gil' }]));
    const message = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: id }).lean());
    await eventually(() => h.ctx.store.events.exists({ type: 'message.received', 'data.message.id': String(message._id) }));
    const other = { conversationId: String(message.conversationId), contactId: String(message.contactId) };
    expect(other.contactId).not.toBe(kept.contactId);

    const res = await api('POST', `/v1/contacts/${kept.contactId}/merge`, { contactId: other.contactId }, ws.key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.resolvedConversationIds).toEqual([other.conversationId]);

    const keptConversation = await api('GET', `/v1/conversations/${kept.conversationId}`, undefined, ws.key);
    const otherConversation = await api('GET', `/v1/conversations/${other.conversationId}`, undefined, ws.key);
    expect(keptConversation.body).toMatchObject({ status: 'queued', contactId: kept.contactId });
    expect(otherConversation.body).toMatchObject({ status: 'resolved', contactId: kept.contactId });
    expect(otherConversation.body.messages.data).toHaveLength(1); // its history stays with it

    // The username identity now belongs to the kept contact and writes into its open conversation.
    const againId = `wamid.UN${randomBytes(6).toString('hex')}`;
    await postWhatsAppWebhook(h, ws, messagesWebhook(ws.phoneNumberId, [{ id: againId, from: username, timestamp: unix(h.clock.now()), type: 'text', text: { body: 'hello?' }, name: 'gil' }]));
    const next = await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: againId }).lean());
    expect(String(next.conversationId)).toBe(kept.conversationId);
    expect(String(next.contactId)).toBe(kept.contactId);
  });

  it('is finished by asking again after a failure midway', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const second = await addChannel(ws);
    const kept = await inbound(ws, newPhoneNumber());
    const merged = await inbound(second, newPhoneNumber());
    const spy = vi.spyOn(h.ctx.store.messages, 'updateMany').mockRejectedValueOnce(new Error('store down'));
    const failed = await api('POST', `/v1/contacts/${kept.contactId}/merge`, { contactId: merged.contactId }, ws.key);
    spy.mockRestore();
    expect(failed.status).toBe(500);
    // Half done: identities and conversations moved, messages not, the other contact still there.
    expect(await h.ctx.store.contactIdentities.countDocuments({ contactId: merged.contactId })).toBe(0);
    expect(await h.ctx.store.messages.countDocuments({ contactId: merged.contactId })).toBe(1);
    // Until it is finished, the half-merged contact goes nowhere else and the opposite merge is refused.
    const third = await inbound(ws, newPhoneNumber());
    for (const [keep, away] of [[third.contactId, merged.contactId], [merged.contactId, kept.contactId]]) {
      const refused = await api('POST', `/v1/contacts/${keep}/merge`, { contactId: away }, ws.key);
      expect(refused.status, `${keep} <- ${away}`).toBe(409);
      expect(refused.body.error.code).toBe('merge_in_progress');
    }
    expect(await h.ctx.store.contactMerges.exists({ _id: kept.contactId })).toBeNull(); // the refused claim was given back

    const again = await api('POST', `/v1/contacts/${kept.contactId}/merge`, { contactId: merged.contactId }, ws.key);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(again.body).toMatchObject({ identities: 0, messages: 1 });
    expect(await h.ctx.store.messages.countDocuments({ contactId: merged.contactId })).toBe(0);
    expect(await h.ctx.store.conversations.countDocuments({ contactId: kept.contactId })).toBe(2);
    expect(await h.ctx.store.contacts.exists({ _id: merged.contactId })).toBeNull();
  });

  it('refuses merging a contact with itself, an unknown one, or one of another workspace', async () => {
    const mine = await inbound(wa, newPhoneNumber());
    const other = await createWhatsAppWorkspace(h);
    const theirs = await inbound(other, newPhoneNumber());
    const self = await api('POST', `/v1/contacts/${mine.contactId}/merge`, { contactId: mine.contactId });
    expect(self.status).toBe(422);
    expect(self.body.error.code).toBe('merge_same_contact');
    expect((await api('POST', `/v1/contacts/${mine.contactId}/merge`, { contactId: theirs.contactId })).status).toBe(404);
    expect((await api('POST', `/v1/contacts/${theirs.contactId}/merge`, { contactId: mine.contactId })).status).toBe(404);
    expect((await api('POST', `/v1/contacts/${mine.contactId}/merge`, { contactId: new Types.ObjectId().toHexString() })).status).toBe(404);
    expect((await api('POST', `/v1/contacts/${mine.contactId}/merge`, {})).status).toBe(400);
    // Nothing moved.
    expect(await h.ctx.store.contacts.exists({ _id: theirs.contactId })).toBeTruthy();
    expect(await h.ctx.store.conversations.countDocuments({ contactId: theirs.contactId })).toBe(1);
  });
});

describe('tenancy', () => {
  it("answers another workspace's contact with 404 and changes nothing", async () => {
    const { contactId } = await inbound(wa, newPhoneNumber(), { name: 'Hal' });
    const other = await createWhatsAppWorkspace(h);
    expect((await api('GET', `/v1/contacts/${contactId}`, undefined, other.key)).status).toBe(404);
    expect((await api('PATCH', `/v1/contacts/${contactId}`, { name: 'x' }, other.key)).status).toBe(404);
    expect((await api('GET', '/v1/contacts?q=Hal', undefined, other.key)).body.data).toEqual([]);
    expect((await h.ctx.store.contacts.findById(contactId).lean())?.name).toBe('Hal');
  });
});
