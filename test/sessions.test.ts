import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRealtime, refusedUpgrade } from './support/realtime-client.js';
import { createWhatsAppWorkspace, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';

/** Sessions: a short-lived token standing for an API key, for browser clients such as the console. */

let h: Harness;
let wa: WhatsAppFixture;

beforeAll(async () => {
  h = await startHarness({ workers: false });
  wa = await createWhatsAppWorkspace(h);
});
afterAll(() => h?.close());

async function openSession(key: string): Promise<string> {
  const res = await h.api('POST', '/v1/sessions', { key });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.token;
}

describe('sessions', () => {
  it('exchanges an API key for a token that acts as the key on the REST API and the realtime socket', async () => {
    const res = await h.api('POST', '/v1/sessions', { key: wa.key });
    expect(res.status).toBe(201);
    expect(res.body.token).toMatch(/^ogs_/);
    expect(new Date(res.body.expiresAt).getTime()).toBeGreaterThan(Date.now() + 7 * 3600_000);
    const token = res.body.token;

    const me = await h.api('GET', '/v1/me', { key: token });
    expect(me.body).toMatchObject({ workspaceId: wa.workspaceId, role: 'admin', agent: null });
    expect((await h.api('GET', '/v1/conversations', { key: token })).status).toBe(200);

    const socket = await connectRealtime(h, { protocols: ['omnigate.v1', `bearer.${token}`] });
    expect(socket.ws.protocol).toBe('omnigate.v1');
    await socket.close();
  });

  it('names the agent linked to the key, with its load', async () => {
    const key = await h.api('POST', '/v1/api-keys', { key: wa.key, body: { name: 'Ana', role: 'agent' } });
    const agent = await h.api('POST', '/v1/agents', { key: wa.key, body: { name: 'Ana', email: 'ana@example.com', apiKeyId: key.body.id, status: 'available' } });
    const token = await openSession(key.body.key);
    const me = await h.api('GET', '/v1/me', { key: token });
    expect(me.body).toMatchObject({ apiKeyId: key.body.id, role: 'agent', agent: { id: agent.body.id, name: 'Ana', status: 'available', load: 0 } });
  });

  it('is opened by an API key only, not by another session, and makes no API key (which would outlive it)', async () => {
    const token = await openSession(wa.key);
    const res = await h.api('POST', '/v1/sessions', { key: token });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('session_needs_api_key');
    const keys = async () => (await h.api('GET', '/v1/api-keys', { key: wa.key })).body.data.length;
    const before = await keys();
    const minted = await h.api('POST', '/v1/api-keys', { key: token, body: { name: 'forever', role: 'admin' } });
    expect(minted.status).toBe(403);
    expect(minted.body.error.code).toBe('session_needs_api_key');
    expect(await keys()).toBe(before);
  });

  it('ends on sign-out, and with the key it stands for', async () => {
    const token = await openSession(wa.key);
    expect((await h.api('DELETE', '/v1/sessions/current', { key: token })).status).toBe(204);
    const after = await h.api('GET', '/v1/me', { key: token });
    expect(after.status).toBe(401);
    expect(after.body.error.message).toMatch(/sign in again/);
    expect((await refusedUpgrade(h, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);

    const key = await h.api('POST', '/v1/api-keys', { key: wa.key, body: { name: 'short-lived', role: 'agent' } });
    const keyed = await openSession(key.body.key);
    expect((await h.api('GET', '/v1/me', { key: keyed })).status).toBe(200);
    expect((await h.api('DELETE', `/v1/api-keys/${key.body.id}`, { key: wa.key })).status).toBe(204);
    expect((await h.api('GET', '/v1/me', { key: keyed })).status).toBe(401);
  });

  it('refuses what is not a session: a made-up token, sign-out with the key itself, no credentials', async () => {
    expect((await h.api('GET', '/v1/me', { key: 'ogs_made-up' })).status).toBe(401);
    const withKey = await h.api('DELETE', '/v1/sessions/current', { key: wa.key });
    expect(withKey.status).toBe(400);
    expect(withKey.body.error.code).toBe('not_a_session');
    expect((await h.api('POST', '/v1/sessions')).status).toBe(401);
  });
});
