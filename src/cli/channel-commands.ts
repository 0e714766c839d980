import { Types } from 'mongoose';
import { connectChannel } from '../channels/connect-channel.js';
import { channelToApi } from '../representation/public-records.js';
import { getWorkspace } from '../workspaces/workspace-service.js';
import type { ParsedCommand } from './command-line.js';
import { printJson, printTable } from './output.js';
import type { CliResources } from './resources.js';

/** `channel add`: connected as through the API, with the same validation and field errors. */
export async function addChannelCommand(command: ParsedCommand, resources: CliResources): Promise<void> {
  const workspace = await getWorkspace(await resources.store(), new Types.ObjectId(command.required('workspace')));
  const { view } = await connectChannel(await resources.channelTools(), workspace._id, {
    type: command.argument ?? '',
    name: command.required('name'),
    settings: command.json('settings'),
    secrets: command.json('secrets'),
  });
  printJson(view);
}

/** `channel list`: as `GET /v1/channels` shows them (settings, never secrets). */
export async function listChannelsCommand(command: ParsedCommand, resources: CliResources): Promise<void> {
  const workspace = await getWorkspace(await resources.store(), new Types.ObjectId(command.required('workspace')));
  const channels = await resources.channelService();
  const views = (await channels.list(workspace._id)).map((c) => channelToApi(c, resources.config.PUBLIC_BASE_URL, channels.isPulled(c)));
  if (command.flag('json')) return printJson(views);
  printTable(
    ['ID', 'TYPE', 'NAME', 'ACCOUNT', 'STATE', 'WEBHOOK URL'],
    views.map((c) => [c.id, c.type, c.name, c.accountId, c.state, c.webhookUrl ?? '(pulled)']),
  );
}

/** `templates sync`: the channel's templates as the provider has them now. */
export async function syncTemplatesCommand(command: ParsedCommand, resources: CliResources): Promise<void> {
  const { channels, templates } = await resources.channelTools();
  const channel = await channels.get(new Types.ObjectId(command.required('workspace')), command.required('channel'));
  printJson({ synced: await templates.syncFromProvider(channels.resolve(channel)) });
}
