import { createHmac, randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { eventually, type Harness } from './harness.js';

/** The site the test channel allows. */
export const SHOP_ORIGIN = 'http://shop.test';
export const IDENTITY_SECRET = 'identity-secret-0123456789abcdef';

export interface WebchatFixture {
  workspaceId: string;
  key: string;
  channelId: string;
}

/** A workspace with a web chat channel, made through the public API; `allowedOrigins` defaults to the shop's. */
export async function createWebchatWorkspace(h: Harness, settings: Record<string, unknown> = {}): Promise<WebchatFixture> {
  const ws = await h.api('POST', '/v1/admin/workspaces', {
    body: { name: `webchat ${randomBytes(3).toString('hex')}` },
    headers: { authorization: `Bearer ${h.ctx.config.OMNIGATE_ADMIN_TOKEN}` },
  });
  if (ws.status !== 201) throw new Error(`workspace: ${ws.status} ${JSON.stringify(ws.body)}`);
  const channel = await h.api('POST', '/v1/channels', {
    key: ws.body.apiKey.key,
    body: {
      type: 'webchat',
      name: 'Website',
      settings: { title: 'Acme support', greeting: 'Hi! Ask us anything.', promptChips: ['Where is my order?', 'Talk to a person'], allowedOrigins: [SHOP_ORIGIN], ...settings },
      secrets: { identitySecret: IDENTITY_SECRET },
    },
  });
  if (channel.status !== 201) throw new Error(`channel: ${channel.status} ${JSON.stringify(channel.body)}`);
  return { workspaceId: ws.body.workspace.id, key: ws.body.apiKey.key, channelId: channel.body.id };
}

/** userHash for a logged-in user, as the business's server computes it. */
export const userHash = (userId: string, secret = IDENTITY_SECRET) => createHmac('sha256', secret).update(userId).digest('hex');

/** A visitor calling the API as the widget on the shop's page does. */
export function visitorApi(h: Harness, channelId: string, origin = SHOP_ORIGIN) {
  return (method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
    h.api(method, `/webchat/v1/channels/${channelId}${path}`, {
      body: opts.body,
      headers: { origin, ...(opts.token && { authorization: `Bearer ${opts.token}` }), ...opts.headers },
    });
}

/** A visitor's socket from the shop's page; keeps every frame. */
export async function connectVisitor(h: Harness, channelId: string, token: string, opts: { origin?: string; lastEventId?: string } = {}) {
  const url = new URL('/webchat/v1/socket', h.baseUrl.replace(/^http/, 'ws'));
  url.searchParams.set('channelId', channelId);
  if (opts.lastEventId) url.searchParams.set('lastEventId', opts.lastEventId);
  const ws = new WebSocket(url, ['omnigate.webchat.v1', `visitor.${token}`], { headers: { origin: opts.origin ?? SHOP_ORIGIN } });
  const frames: any[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFor = (check: (frame: any) => boolean) => eventually(async () => frames.find(check));
  await waitFor((f) => f.type === 'ready');
  return { ws, frames, waitFor, close: () => ws.close() };
}
