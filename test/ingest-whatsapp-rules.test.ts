import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWhatsAppWebhook } from './support/customer.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';
import { wireFixture } from './support/whatsapp-payloads.js';

/**
 * WhatsApp Cloud platform rules end to end: the connector's own fixtures, as Meta sends them,
 * signed and posted to the webhook, then read back through the API.
 */

let h: Harness;

useProviderStandIns();
beforeAll(async () => {
  // Just after the fixtures' times, so the messaging window they open is open.
  h = await startHarness({ start: new Date(1749420200_000) });
});
afterAll(() => h.close());

/** What the fixtures name. */
const FIXTURE_PNID = '106540352242922';
const OLD_NUMBER = '16505551234';
const NEW_NUMBER = '16505550000';
const BSUID = 'US.13491208655302741918';
const NEW_BSUID = 'US.13491208655302742020';
const wamid = (n: string) => `wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUFERjg0NDEzNDdFODU3MUMx${n}AA=`;
const ID = {
  text: wamid('41'),
  usernameOnly: wamid('42'),
  numberChange: wamid('43'),
  voice: wamid('45'),
  audioFile: wamid('46'),
  fromNewNumber: 'wamid.HBgLMTY1MDU1NTAwMDAVAgASGBQzQUFERjg0NDEzNDdFODU3MUMx44AA=',
};
/** The fixtures' unix times. */
const AT = { text: '1749416383', numberChange: '1749420000' };

/**
 * Posts a fixture to the workspace's channel (other strings replaced as given) and resolves to the
 * stored message once it is announced and its conversation routed, so no background write of the
 * conversation is still under way.
 */
async function receive(ws: WhatsAppFixture, fixture: string, providerMessageId: string, replace: Record<string, string> = {}) {
  await postWhatsAppWebhook(h, ws, wireFixture(fixture, { [FIXTURE_PNID]: ws.phoneNumberId, ...replace }));
  const message = await eventually(() => h.ctx.store.messages.findOne({ channelId: ws.channelId, providerMessageId }).lean());
  await eventually(() => h.ctx.store.events.exists({ type: 'message.received', 'data.message.id': String(message._id) }));
  await eventually(() => h.ctx.store.conversations.exists({ _id: message.conversationId, queueId: { $exists: true } }));
  return message;
}

const get = async (ws: WhatsAppFixture, path: string) => {
  const res = await h.api('GET', path, { key: ws.key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};
const apiMessages = async (ws: WhatsAppFixture, conversationId: unknown) =>
  (await get(ws, `/v1/conversations/${String(conversationId)}`)).messages.data as { providerMessageId: string; type: string; content: Record<string, unknown>; contactUserId: string | null }[];
const apiContact = (ws: WhatsAppFixture, contactId: unknown) => get(ws, `/v1/contacts/${String(contactId)}`);

describe('business-scoped user ids', () => {
  it('are kept on the identity and on the message and shown by the API; a message without wa_id finds the contact by its id', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const first = await receive(ws, 'text-bsuid', ID.text);
    const second = await receive(ws, 'text-username-only', ID.usernameOnly);

    expect(String(second.contactId)).toBe(String(first.contactId));
    expect(String(second.conversationId)).toBe(String(first.conversationId));
    const messages = await apiMessages(ws, first.conversationId);
    expect(messages.map((m) => [m.providerMessageId, m.contactUserId])).toEqual([
      [ID.usernameOnly, BSUID],
      [ID.text, BSUID],
    ]);
    const contact = await apiContact(ws, first.contactId);
    expect(contact).toMatchObject({ name: 'José Núñez', phone: OLD_NUMBER });
    // The person under both their keys, each with what it came with.
    expect(contact.identities).toEqual([
      { channelId: ws.channelId, externalId: OLD_NUMBER, phone: OLD_NUMBER, displayName: 'José Núñez', username: null, userId: BSUID, retiredAt: null },
      { channelId: ws.channelId, externalId: BSUID, phone: null, displayName: 'José Núñez', username: '@jose.nunez', userId: BSUID, retiredAt: null },
    ]);
  });

  it('a username user known only by the id is the same contact once the number comes along', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const first = await receive(ws, 'text-username-only', ID.usernameOnly);
    const second = await receive(ws, 'text-bsuid', ID.text);

    expect(String(second.contactId)).toBe(String(first.contactId));
    expect(String(second.conversationId)).toBe(String(first.conversationId));
    expect((await apiContact(ws, first.contactId)).identities.map((i: { externalId: string }) => i.externalId)).toEqual([BSUID, OLD_NUMBER]);
  });
});

describe('voice notes', () => {
  it('an audio recorded as a voice note is stored and shown as one; an audio file is not', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const voice = await receive(ws, 'audio-voice', ID.voice);
    await receive(ws, 'audio-file', ID.audioFile);

    expect(voice.content).toMatchObject({ type: 'audio', voice: true });
    const [file, note] = await apiMessages(ws, voice.conversationId);
    expect(note?.content).toMatchObject({ type: 'audio', voice: true, media: { providerMediaId: '1164218121856399', mimeType: 'audio/ogg; codecs=opus' } });
    expect(file?.content).toMatchObject({ type: 'audio', media: { providerMediaId: '1164218121856400', mimeType: 'audio/mpeg' } });
    expect(file?.content).not.toHaveProperty('voice');
  });
});

describe('a customer who changes their number', () => {
  /** A customer who wrote from the old number, then changed it. */
  async function changedNumber() {
    const ws = await createWhatsAppWorkspace(h);
    const before = await receive(ws, 'text-bsuid', ID.text);
    const change = await receive(ws, 'system-user-changed-number', ID.numberChange);
    return { ws, before, change };
  }

  it('keeps the contact: the next message from the new number lands in the same contact and conversation, with its history', async () => {
    const { ws, before, change } = await changedNumber();
    const after = await receive(ws, 'text-new-number', ID.fromNewNumber);

    expect([change, after].map((m) => [String(m.contactId), String(m.conversationId)])).toEqual([
      [String(before.contactId), String(before.conversationId)],
      [String(before.contactId), String(before.conversationId)],
    ]);
    const messages = await apiMessages(ws, before.conversationId);
    expect(messages.map((m) => [m.providerMessageId, m.type])).toEqual([
      [ID.fromNewNumber, 'text'],
      [ID.numberChange, 'system'],
      [ID.text, 'text'],
    ]);
    expect(messages[1]?.content).toMatchObject({ systemType: 'user_changed_number', newExternalId: NEW_NUMBER });

    // The old number is retired as of the change, not deleted: the contact's history shows both.
    const contact = await apiContact(ws, before.contactId);
    expect(contact).toMatchObject({ name: 'José Núñez', phone: NEW_NUMBER });
    expect(contact.identities).toEqual([
      { channelId: ws.channelId, externalId: OLD_NUMBER, phone: OLD_NUMBER, displayName: 'José Núñez', username: null, userId: BSUID, retiredAt: new Date(Number(AT.numberChange) * 1000).toISOString() },
      { channelId: ws.channelId, externalId: NEW_NUMBER, phone: NEW_NUMBER, displayName: 'José Núñez', username: null, userId: NEW_BSUID, retiredAt: null },
    ]);
    expect(await h.ctx.store.contacts.countDocuments({ workspaceId: ws.workspaceId })).toBe(1);
  });

  it('answers go to the new number', async () => {
    const { ws, before } = await changedNumber();
    const graph = nock(GRAPH_BASE_URL)
      .post(`/v23.0/${ws.phoneNumberId}/messages`, (body: { to?: string }) => body.to === NEW_NUMBER)
      .reply(200, { messaging_product: 'whatsapp', contacts: [{ input: NEW_NUMBER, wa_id: NEW_NUMBER }], messages: [{ id: 'wamid.OUT_NEW_NUMBER' }] });
    const res = await h.api('POST', `/v1/conversations/${String(before.conversationId)}/messages`, { key: ws.key, body: { type: 'text', text: 'Got it, thanks!' } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    await eventually(async () => (await h.ctx.store.messages.findById(res.body.id).lean())?.status === 'accepted');
    expect(graph.isDone()).toBe(true);
  });

  it('retires the identities under the previous business-scoped id too: a number change gives a new one', async () => {
    const ws = await createWhatsAppWorkspace(h);
    const before = await receive(ws, 'text-bsuid', ID.text);
    await receive(ws, 'text-username-only', ID.usernameOnly);
    await receive(ws, 'system-user-changed-number', ID.numberChange);

    const retiredAt = new Date(Number(AT.numberChange) * 1000).toISOString();
    const { identities } = await apiContact(ws, before.contactId);
    expect(identities.map((i: { externalId: string; retiredAt: string | null }) => [i.externalId, i.retiredAt])).toEqual([
      [OLD_NUMBER, retiredAt],
      [BSUID, retiredAt],
      [NEW_NUMBER, null],
    ]);
  });

  it('a change delivered again after a run that stopped midway is finished, and changes nothing twice', async () => {
    const { ws, before, change } = await changedNumber();
    const identities = () => h.ctx.store.contactIdentities.find({ channelId: ws.channelId }, { _id: 0, contactId: 1, externalId: 1, userId: 1, retiredAt: 1 }).sort({ _id: 1 }).lean();
    const settled = await identities();
    expect(settled.map((i) => [i.externalId, String(i.contactId), i.retiredAt !== undefined])).toEqual([
      [OLD_NUMBER, String(before.contactId), true],
      [NEW_NUMBER, String(before.contactId), false],
    ]);
    // The run stopped after moving the identities, before the note was stored.
    await h.ctx.store.messages.deleteOne({ _id: change._id });

    // Meta delivers again (in a body of its own: not the one already recorded).
    const again = await receive(ws, 'system-user-changed-number', ID.numberChange, { '"field":"messages"': '"field": "messages"' });
    expect([String(again.contactId), String(again.conversationId)]).toEqual([String(before.contactId), String(before.conversationId)]);
    expect(await identities()).toEqual(settled);
    expect(await h.ctx.store.contacts.countDocuments({ workspaceId: ws.workspaceId })).toBe(1);
  });

  it('the old number is retired as of the change: an older message delivered late still lands with the customer, a newer one is someone new', async () => {
    const { ws, before } = await changedNumber();
    const late = await receive(ws, 'text-bsuid', wamid('51'), { [ID.text]: wamid('51'), [AT.text]: String(Number(AT.numberChange) - 60) });
    expect([String(late.contactId), String(late.conversationId)]).toEqual([String(before.contactId), String(before.conversationId)]);

    // Months later the number belongs to someone else, who has a business-scoped id of their own.
    const stranger = await receive(ws, 'text-bsuid', wamid('52'), { [ID.text]: wamid('52'), [AT.text]: String(Number(AT.numberChange) + 3600), [BSUID]: 'US.10000000000000000001' });
    expect(String(stranger.contactId)).not.toBe(String(before.contactId));
    expect(String(stranger.conversationId)).not.toBe(String(before.conversationId));
    expect((await apiContact(ws, stranger.contactId)).identities).toEqual([
      { channelId: ws.channelId, externalId: OLD_NUMBER, phone: OLD_NUMBER, displayName: 'José Núñez', username: null, userId: 'US.10000000000000000001', retiredAt: null },
    ]);
    expect((await apiContact(ws, before.contactId)).identities.map((i: { externalId: string }) => i.externalId)).toEqual([NEW_NUMBER]);
  });
});
