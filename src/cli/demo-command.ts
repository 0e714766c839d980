import { randomBytes } from 'node:crypto';
import type { Types } from 'mongoose';
import type { AppContext } from '../app/context.js';
import { connectChannel } from '../channels/connect-channel.js';
import { channelToApi } from '../representation/public-records.js';
import { createApiKey } from '../security/api-key.js';
import type { ChannelDoc } from '../store/models/channel.js';
import { createWorkspace } from '../workspaces/workspace-service.js';
import { connectSandboxChannels } from './sandbox-channels.js';
import type { ParsedCommand } from './command-line.js';
import type { CliResources } from './resources.js';

/** The workspace the demo makes (scripts/dev.sh finds it by this name). */
const DEMO_WORKSPACE = 'Omnigate demo';

/** The demo sets up a whole gateway's worth of records: it uses the process's full context. */
export async function runDemo(_command: ParsedCommand, resources: CliResources): Promise<void> {
  const { createContext, closeContext } = await import('../app/context.js');
  const ctx = await createContext({ ...resources.config, LOG_LEVEL: 'warn' });
  try {
    await demo(ctx);
  } finally {
    await closeContext(ctx);
  }
}

/** Idempotent: reuses the demo workspace and channel, and prints a new key each run. */
async function demo(ctx: AppContext): Promise<void> {
  let workspace = await ctx.store.workspaces.findOne({ name: DEMO_WORKSPACE }).lean();
  workspace ??= (await createWorkspace(ctx.store, DEMO_WORKSPACE)).workspace;
  const key = await createApiKey(ctx.store, workspace._id, `demo key ${new Date().toISOString()}`, 'admin');
  // With the provider sandbox running (scripts/dev.sh starts it), its accounts are the demo's channels.
  const sandboxUrl = process.env.OMNIGATE_SANDBOX_URL;
  const sandboxChannels = sandboxUrl ? await connectSandboxChannels(ctx, workspace._id, sandboxUrl) : [];
  let channel: ChannelDoc | null = await ctx.store.channels.findOne({ workspaceId: workspace._id, type: 'whatsapp-cloud' }).lean<ChannelDoc>();
  let demoSecrets: Record<string, string> | undefined;
  if (!channel) {
    demoSecrets = { accessToken: 'replace-me', appSecret: randomBytes(16).toString('hex'), verifyToken: randomBytes(12).toString('hex') };
    const { channel: created } = await connectChannel(ctx, workspace._id, {
      type: 'whatsapp-cloud',
      name: 'Demo WhatsApp',
      settings: { phoneNumberId: '100000000000001', wabaId: '200000000000001' },
      secrets: demoSecrets,
    });
    channel = created.toObject();
  }
  const api = channelToApi(channel, ctx.config.PUBLIC_BASE_URL, ctx.channels.isPulled(channel));
  const webchat = sandboxUrl ? await ensureWebchatChannel(ctx, workspace._id, sandboxUrl) : null;
  console.log(`
Omnigate demo workspace ready
  workspace id : ${String(workspace._id)}
  API key      : ${key.key}   (admin; shown once)
  channel id   : ${api.id} (whatsapp-cloud, phone number id ${api.accountId})
  webhook URL  : ${api.webhookUrl}
${sandboxChannels.map((c) => `  sandbox      : ${c.type} channel ${c.id}, ${c.webhookUrl ? `webhook URL ${c.webhookUrl}` : `mailbox ${c.accountId}, watched over IMAP`}\n`).join('')}${webchat ? `  web chat     : channel ${webchat}, embedded by the sandbox's page ${sandboxUrl}/shop\n` : ''}${demoSecrets ? `  verify token : ${demoSecrets.verifyToken}\n  app secret   : ${demoSecrets.appSecret}   (sign test webhooks with it; shown once)\n` : ''}
  Try: curl -H "Authorization: Bearer ${key.key}" ${ctx.config.PUBLIC_BASE_URL}/v1/conversations
`);
}

/**
 * The demo's web chat channel, embeddable by the provider sandbox's shop page (`/shop`, another
 * origin than the gateway's); its allowed origins follow the sandbox's address. Its id.
 */
async function ensureWebchatChannel(ctx: AppContext, workspaceId: Types.ObjectId, sandboxUrl: string): Promise<string> {
  const sandbox = new URL(sandboxUrl);
  const allowedOrigins = [...new Set([sandbox.origin, `${sandbox.protocol}//localhost:${sandbox.port}`, `${sandbox.protocol}//127.0.0.1:${sandbox.port}`])];
  const existing = await ctx.store.channels.findOne({ workspaceId, type: 'webchat' }).lean();
  if (existing) {
    await ctx.channels.update(workspaceId, String(existing._id), { settings: { allowedOrigins } });
    return String(existing._id);
  }
  const { channel } = await connectChannel(ctx, workspaceId, {
    type: 'webchat',
    name: 'Website chat',
    settings: { title: 'Acme support', greeting: 'Hi! Ask us anything about your order.', promptChips: ['Where is my order?', 'Talk to a person'], allowedOrigins },
    secrets: {},
  });
  return String(channel._id);
}
