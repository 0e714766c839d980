/**
 * What a business does through the public API before traffic flows: a workspace (admin token),
 * a WhatsApp Cloud channel and a helpdesk subscription to `message.received`, whose signing
 * secret the helpdesk stand-in is given so it can verify every delivery.
 */
import { randomBytes } from 'node:crypto';
import type { HelpdeskStub } from '../../test/support/helpdesk-stub.js';

export interface Channel {
  /** The workspace's admin API key. */
  apiKey: string;
  webhookUrl: string;
  appSecret: string;
  phoneNumberId: string;
}

async function post<T>(base: string, path: string, token: string, body: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export async function provision(base: string, adminToken: string, helpdesk: HelpdeskStub): Promise<Channel> {
  const { apiKey } = await post<{ apiKey: { key: string } }>(base, '/v1/admin/workspaces', adminToken, { name: 'chaos' });
  const appSecret = randomBytes(16).toString('hex');
  const phoneNumberId = '100200300';
  const channel = await post<{ id: string }>(base, '/v1/channels', apiKey.key, {
    type: 'whatsapp-cloud',
    name: 'chaos',
    settings: { phoneNumberId, wabaId: '400500600' },
    secrets: { accessToken: 'unused', appSecret, verifyToken: 'unused' },
  });
  const subscription = await post<{ secret: string }>(base, '/v1/webhook-subscriptions', apiKey.key, { url: helpdesk.url(), events: ['message.received'] });
  helpdesk.secrets = [subscription.secret];
  return { apiKey: apiKey.key, webhookUrl: `${base}/webhooks/whatsapp-cloud/${channel.id}`, appSecret, phoneNumberId };
}
