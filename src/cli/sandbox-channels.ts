import type { Types } from 'mongoose';
import type { AppContext } from '../app/context.js';
import { connectChannel } from '../channels/connect-channel.js';
import { channelToApi } from '../representation/public-records.js';

/** One of the provider sandbox's accounts as `POST /v1/channels` takes it (sandbox/view.ts, ChannelBody). */
interface SandboxAccount {
  type: string;
  name: string;
  settings: Record<string, unknown>;
  secrets: Record<string, unknown>;
  accountId: string;
}

/**
 * Connects the provider sandbox's accounts (`npm run sandbox`) as channels of the workspace, the
 * way a business connects its real ones: credentials from the provider's console into the
 * gateway, the channel's webhook URL back into the console (a mailbox has none: the gateway
 * logs in to the sandbox's IMAP server). A channel already connected to the account takes the
 * sandbox's current secrets, except a mailbox, which cannot be changed while watched. WhatsApp templates are then synced, which
 * approves the shipped ones. Returns the channels as the API shows them.
 */
export async function connectSandboxChannels(ctx: AppContext, workspaceId: Types.ObjectId, sandboxUrl: string) {
  const res = await fetch(new URL('/sandbox/accounts', sandboxUrl)).catch((err: Error) => {
    throw new Error(`the provider sandbox at ${sandboxUrl} does not answer (${err.message}); start it with npm run sandbox`);
  });
  if (!res.ok) throw new Error(`the provider sandbox at ${sandboxUrl} answered ${res.status}`);
  const { channels } = (await res.json()) as { channels: SandboxAccount[] };
  const connected = [];
  for (const { accountId, ...account } of channels) {
    const existing = await ctx.store.channels.findOne({ workspaceId, type: account.type, accountId }).lean();
    // A mailbox channel keeps what it was connected with (its watcher holds a copy; the sandbox
    // keeps the mailbox's password and ports across runs).
    const keep = existing && ctx.channels.isPulled(existing);
    const channel = keep
      ? existing
      : existing
        ? await ctx.channels.update(workspaceId, String(existing._id), { settings: account.settings, secrets: account.secrets })
        : (await connectChannel(ctx, workspaceId, account)).channel.toObject();
    const view = channelToApi(channel, ctx.config.PUBLIC_BASE_URL, ctx.channels.isPulled(channel));
    // A mailbox has no webhook: the gateway's watcher logs in to the sandbox's IMAP server.
    if (view.webhookUrl) await putWebhookUrl(sandboxUrl, account.type, view.webhookUrl);
    if (account.type === 'whatsapp-cloud') await ctx.templates.syncFromProvider(ctx.channels.resolve(channel));
    connected.push(view);
  }
  return connected;
}

async function putWebhookUrl(sandboxUrl: string, type: string, webhookUrl: string): Promise<void> {
  const put = await fetch(new URL(`/sandbox/accounts/${type}/webhook`, sandboxUrl), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ webhookUrl }),
  });
  if (!put.ok) throw new Error(`the provider sandbox refused the webhook URL of ${type}: ${put.status}`);
}
