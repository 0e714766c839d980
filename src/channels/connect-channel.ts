import type { Types } from 'mongoose';
import type { Outbox } from '../events/outbox.js';
import type { TemplateRegistry } from '../template-registry/template-registry.js';
import type { ChannelService } from './channel-service.js';
import { channelToApi } from '../representation/public-records.js';

/** What connecting a channel uses: the channel and template services, the outbox, the public base URL. */
export interface ConnectChannelDeps {
  channels: ChannelService;
  templates: TemplateRegistry;
  outbox: Outbox;
  config: { PUBLIC_BASE_URL: string };
}

/**
 * Connects a channel: validated and stored with its secrets sealed, its template definitions
 * seeded, and announced (a worker starts watching it if it is a mailbox). The API and the CLI
 * both connect channels through here.
 */
export async function connectChannel(
  ctx: ConnectChannelDeps,
  workspaceId: Types.ObjectId,
  input: { type: string; name: string; settings: unknown; secrets: unknown },
) {
  const channel = await ctx.channels.create(workspaceId, input);
  await ctx.templates.seedFromFiles(channel);
  const view = channelToApi(channel, ctx.config.PUBLIC_BASE_URL, ctx.channels.isPulled(channel));
  await ctx.outbox.emit({ type: 'channel.created', workspaceId, key: String(channel._id), data: { channelId: view.id, channel: view } });
  return { channel, view };
}
