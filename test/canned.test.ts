import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderCanned, unknownVariables } from '../src/canned/render.js';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';

describe('renderCanned', () => {
  const values = { 'contact.name': 'Ana', 'agent.name': 'Bo', 'workspace.name': 'Acme' } as const;

  it('fills every known variable, with or without spaces inside the braces', () => {
    expect(renderCanned('Hi {{contact.name}}, {{ agent.name }} of {{  workspace.name }} here. {{contact.name}}!', values)).toEqual({
      ok: true,
      text: 'Hi Ana, Bo of Acme here. Ana!',
    });
    expect(renderCanned('No variables at all', {})).toEqual({ ok: true, text: 'No variables at all' });
  });

  it('refuses unknown variables, listing each once', () => {
    expect(renderCanned('{{contact.nmae}} {{order.id}} {{contact.nmae}} {{contact.name}}', values)).toEqual({
      ok: false,
      code: 'unknown_variable',
      variables: ['contact.nmae', 'order.id'],
    });
    expect(unknownVariables('{{ }} {{contact.email}}')).toEqual(['']);
  });

  it('refuses a known variable without a value instead of rendering blank text', () => {
    expect(renderCanned('Write to {{contact.email}} or {{contact.phone}}', { 'contact.email': '  ' })).toEqual({
      ok: false,
      code: 'variable_missing',
      variables: ['contact.email', 'contact.phone'],
    });
  });
});

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

const graph = () => nock(GRAPH_BASE_URL).post(`/v23.0/${wa.phoneNumberId}/messages`);

async function inbound(from: string, name?: string) {
  const id = `wamid.CANNED${from}`;
  const body = JSON.stringify(textMessage(wa.phoneNumberId, { id, from, timestamp: unix(h.clock.now()), text: 'hi', name }));
  const res = await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) },
  });
  expect(res.status).toBe(200);
  return String((await eventually(() => h.ctx.store.messages.findOne({ providerMessageId: id }).lean())).conversationId);
}

const create = (body: unknown, key = wa.key) => h.api('POST', '/v1/canned-responses', { key, body });

describe('canned responses CRUD', () => {
  it('creates, lists, changes and deletes; writes need an admin key', async () => {
    const agentKey = await h.api('POST', '/v1/api-keys', { key: wa.key, body: { name: 'crud agent', role: 'agent' } });
    expect((await create({ shortcut: '/bye', title: 'Bye', text: 'Bye!' }, agentKey.body.key)).status).toBe(403);

    const created = await create({ shortcut: '/bye', title: 'Bye', text: 'Bye {{contact.name}}!' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ shortcut: '/bye', title: 'Bye', text: 'Bye {{contact.name}}!' });
    expect((await create({ shortcut: '/bye', title: 'Again', text: 'x' })).body.error.code).toBe('canned_response_exists');
    expect((await create({ shortcut: 'bye', title: 'No slash', text: 'x' })).status).toBe(400);
    expect((await create({ shortcut: '/x', title: 'x', text: 'x', extra: 1 })).status).toBe(400);
    const typo = await create({ shortcut: '/typo', title: 'Typo', text: 'Hi {{contact.nmae}}' });
    expect(typo.status).toBe(422);
    expect(typo.body.error).toMatchObject({ code: 'canned_unknown_variable', details: { variables: ['contact.nmae'] } });

    const list = await h.api('GET', '/v1/canned-responses', { key: agentKey.body.key });
    expect(list.status).toBe(200);
    expect(list.body.data.map((c: { shortcut: string }) => c.shortcut)).toContain('/bye');

    const path = `/v1/canned-responses/${created.body.id}`;
    expect((await h.api('PATCH', path, { key: agentKey.body.key, body: { title: 'x' } })).status).toBe(403);
    expect((await h.api('PATCH', path, { key: wa.key, body: { text: '{{nope}}' } })).body.error.code).toBe('canned_unknown_variable');
    const patched = await h.api('PATCH', path, { key: wa.key, body: { title: 'Goodbye' } });
    expect(patched.body).toMatchObject({ title: 'Goodbye', text: 'Bye {{contact.name}}!' });
    expect((await h.api('GET', path, { key: wa.key })).body.title).toBe('Goodbye');

    expect((await h.api('DELETE', path, { key: wa.key })).status).toBe(204);
    expect((await h.api('DELETE', path, { key: wa.key })).status).toBe(404);
  });
});

describe('sending a canned response', () => {
  it('renders contact, agent (of the key) and workspace, and sends it through the send policy', async () => {
    const agentKey = await h.api('POST', '/v1/api-keys', { key: wa.key, body: { name: 'Bo key', role: 'agent' } });
    const agent = await h.api('POST', '/v1/agents', { key: wa.key, body: { name: 'Bo', email: 'bo@acme.test', apiKeyId: agentKey.body.id } });
    expect(agent.status).toBe(201);
    await create({ shortcut: '/thanks', title: 'Thanks', text: 'Thanks {{ contact.name }}! {{agent.name}}, {{workspace.name}}' });
    const conversationId = await inbound('15552220001', 'Ana');

    let sentBody: any;
    graph().reply(200, (_uri, body) => {
      sentBody = body;
      return { messages: [{ id: 'wamid.CANNEDOUT1' }] };
    });
    const res = await h.api('POST', `/v1/conversations/${conversationId}/canned`, { key: agentKey.body.key, body: { shortcut: '/thanks' } });
    expect(res.status).toBe(202);
    const workspace = await h.ctx.store.workspaces.findById(wa.workspaceId).lean();
    const text = `Thanks Ana! Bo, ${workspace?.name}`;
    expect(res.body).toMatchObject({ type: 'text', status: 'queued' });
    await eventually(async () => (await h.ctx.store.messages.findById(res.body.id).lean())?.status === 'accepted');
    expect(sentBody).toMatchObject({ to: '15552220001', type: 'text', text: { body: text } });
  });

  it('needs agent.name from an agent: a key linked to none gets canned_variable_missing, never blank text', async () => {
    await create({ shortcut: '/sig', title: 'Signature', text: 'Best, {{agent.name}}' });
    const conversationId = await inbound('15552220002', 'Cy');
    const res = await h.api('POST', `/v1/conversations/${conversationId}/canned`, { key: wa.key, body: { shortcut: '/sig' } });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'canned_variable_missing', details: { variables: ['agent.name'] } });
    expect(await h.ctx.store.messages.countDocuments({ conversationId, direction: 'outbound' })).toBe(0);
  });

  it('refuses a contact field the contact lacks, an unknown variable stored earlier, and an unknown shortcut', async () => {
    await create({ shortcut: '/mail', title: 'Mail', text: 'We wrote to {{contact.email}}' });
    // Saved before validation existed (or by hand): sending still refuses it.
    await h.ctx.store.cannedResponses.create({ workspaceId: wa.workspaceId, shortcut: '/old', title: 'Old', text: 'Order {{order.id}}' });
    const conversationId = await inbound('15552220003', 'Di');
    const send = (shortcut: string) => h.api('POST', `/v1/conversations/${conversationId}/canned`, { key: wa.key, body: { shortcut } });

    expect((await send('/mail')).body.error).toMatchObject({ code: 'canned_variable_missing', details: { variables: ['contact.email'] } });
    const old = await send('/old');
    expect(old.status).toBe(422);
    expect(old.body.error).toMatchObject({ code: 'canned_unknown_variable', details: { variables: ['order.id'] } });
    expect((await send('/none')).status).toBe(404);
  });

  it('obeys the messaging window like any message: 422 window_closed after 24 hours', async () => {
    await create({ shortcut: '/hello', title: 'Hello', text: 'Hello {{contact.name}}' });
    const conversationId = await inbound('15552220004', 'Ed');
    h.clock.advance(25 * 3_600_000);
    const res = await h.api('POST', `/v1/conversations/${conversationId}/canned`, { key: wa.key, body: { shortcut: '/hello' } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('window_closed');
  });
});
