import { expect } from 'vitest';
import { SandboxClient } from '../../sandbox/client.js';
import { startSandbox, type Sandbox } from '../../sandbox/server.js';
import type { ProviderType } from '../../sandbox/view.js';
import { eventually, startHarness, type Harness } from './harness.js';

/**
 * A gateway whose provider APIs are the provider sandbox: a workspace with one channel per
 * sandbox account, each account connected to its channel's webhook URL (the email channel to
 * the sandbox's mail servers), and the sandbox's helpdesk inbox subscribed to every event with
 * the subscription's secret.
 */
export interface SandboxGateway {
  sandbox: Sandbox;
  client: SandboxClient;
  h: Harness;
  key: string;
  channelIds: Map<ProviderType, string>;
  close(): Promise<void>;
}

export async function startSandboxGateway(): Promise<SandboxGateway> {
  // Receipts come a moment after the provider's API answered, as they do for real: a receipt
  // overtaking the send job's write of the provider id is a race of its own.
  const sandbox = await startSandbox({ port: 0, stepMs: 250 });
  const client = new SandboxClient(sandbox.url);
  const h = await startHarness({ config: { GRAPH_API_BASE_URL: sandbox.url, TWILIO_API_BASE_URL: sandbox.url }, start: new Date() });
  // The channels' webhook URLs carry the harness's public address; the harness listens elsewhere.
  sandbox.deliverTo(h.baseUrl);
  const ws = await h.api('POST', '/v1/admin/workspaces', { body: { name: 'sandbox' }, headers: { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` } });
  const key: string = ws.body.apiKey.key;
  const channelIds = new Map<ProviderType, string>();
  for (const { accountId: _accountId, ...channel } of await client.channels()) {
    const res = await h.api('POST', '/v1/channels', { key, body: channel });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    channelIds.set(channel.type, res.body.id);
    // A mailbox has no webhook: the gateway's watcher connects to the sandbox's IMAP server.
    if (res.body.webhookUrl) await client.connect(channel.type, res.body.webhookUrl);
  }
  const subscription = await h.api('POST', '/v1/webhook-subscriptions', { key, body: { url: `${sandbox.url}/helpdesk/webhooks` } });
  expect(subscription.status).toBe(201);
  await client.helpdeskSecret(subscription.body.secret);
  return {
    sandbox,
    client,
    h,
    key,
    channelIds,
    async close() {
      await h.close();
      await sandbox.close();
    },
  };
}

/** The gateway's conversation on the channel holding a message with this text, once it does. */
export function conversationWith(g: SandboxGateway, type: ProviderType, text: string): Promise<string> {
  return eventually(async () => {
    const list = await g.h.api('GET', '/v1/conversations', { key: g.key });
    for (const conversation of list.body.data.filter((c: any) => c.channelId === g.channelIds.get(type))) {
      const messages = await g.h.api('GET', `/v1/conversations/${conversation.id}/messages`, { key: g.key });
      // A mail's text is what its sender wrote this time (newText), without the quoted history.
      if (messages.body.data.some((m: any) => (m.content.newText ?? m.content.text) === text)) return conversation.id as string;
    }
    return undefined;
  });
}

let replies = 0;

/** An agent's text reply through the API; resolves to the message id. */
export async function agentReplies(g: SandboxGateway, conversationId: string, text: string): Promise<string> {
  const res = await g.h.api('POST', `/v1/conversations/${conversationId}/messages`, {
    key: g.key,
    body: { type: 'text', text },
    headers: { 'idempotency-key': `reply-${++replies}` },
  });
  expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  return res.body.id;
}

/** The gateway's message once it reached `status`. */
export function messageReaching(g: SandboxGateway, id: string, status: string): Promise<any> {
  return eventually(async () => {
    const m = (await g.h.api('GET', `/v1/messages/${id}`, { key: g.key })).body;
    return m.status === status && m;
  });
}
