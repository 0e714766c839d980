import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Types } from 'mongoose';
import { ConfigError, loadConfig } from '../../config/load.js';
import { closeContext, createContext, type AppContext } from '../app/context.js';
import { connectChannel } from '../channels/connect-channel.js';
import { channelToApi } from '../representation/public-records.js';
import { createApiKey } from '../security/api-key.js';
import type { ChannelDoc } from '../store/models/channel.js';
import { createWorkspace } from '../workspaces/workspace-service.js';
import { connectSandboxChannels } from './sandbox-channels.js';

const USAGE = `Usage: npm run omnigate -- <command> [options]

  workspace create --name <name>
  api-key create --workspace <id> --name <name> [--role admin|agent]
  channel add <type> --workspace <id> --name <name> --settings '<json>' --secrets '<json>'
      e.g. channel add whatsapp-cloud --workspace 665f... --name Support
           --settings '{"phoneNumberId":"1234","wabaId":"5678"}'
           --secrets '{"accessToken":"...","appSecret":"...","verifyToken":"..."}'
  templates sync --workspace <id> --channel <id>
  demo        create (once) a demo workspace with a WhatsApp Cloud channel; print a fresh API key`;

const DEMO_WORKSPACE = 'Omnigate demo';

async function run(ctx: AppContext, argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      workspace: { type: 'string' },
      role: { type: 'string' },
      settings: { type: 'string' },
      secrets: { type: 'string' },
      channel: { type: 'string' },
    },
  });
  const [command, sub, arg] = positionals;
  const workspaceId = () => {
    if (!values.workspace || !Types.ObjectId.isValid(values.workspace)) throw new Error('--workspace <id> is required');
    return new Types.ObjectId(values.workspace);
  };
  const required = (name: 'name' | 'settings' | 'secrets' | 'channel') => {
    const v = values[name];
    if (!v) throw new Error(`--${name} is required`);
    return v;
  };

  if (command === 'workspace' && sub === 'create') {
    const { workspace, apiKey } = await createWorkspace(ctx.store, required('name'));
    console.log(JSON.stringify({ workspaceId: String(workspace._id), apiKey: apiKey.key }, null, 2));
  } else if (command === 'api-key' && sub === 'create') {
    const role = values.role === 'admin' ? 'admin' : 'agent';
    console.log(JSON.stringify(await createApiKey(ctx.store, workspaceId(), required('name'), role), null, 2));
  } else if (command === 'channel' && sub === 'add' && arg) {
    const { view } = await connectChannel(ctx, workspaceId(), {
      type: arg,
      name: required('name'),
      settings: JSON.parse(required('settings')),
      secrets: JSON.parse(required('secrets')),
    });
    console.log(JSON.stringify(view, null, 2));
  } else if (command === 'templates' && sub === 'sync') {
    const channel = await ctx.channels.get(workspaceId(), required('channel'));
    console.log(JSON.stringify({ synced: await ctx.templates.syncFromProvider(ctx.channels.resolve(channel)) }));
  } else if (command === 'demo') {
    await demo(ctx);
  } else {
    console.error(USAGE);
    process.exitCode = 2;
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
  console.log(`
Omnigate demo workspace ready
  workspace id : ${String(workspace._id)}
  API key      : ${key.key}   (admin; shown once)
  channel id   : ${api.id} (whatsapp-cloud, phone number id ${api.accountId})
  webhook URL  : ${api.webhookUrl}
${sandboxChannels.map((c) => `  sandbox      : ${c.type} channel ${c.id}, webhook URL ${c.webhookUrl}\n`).join('')}${demoSecrets ? `  verify token : ${demoSecrets.verifyToken}\n  app secret   : ${demoSecrets.appSecret}   (sign test webhooks with it; shown once)\n` : ''}
  Try: curl -H "Authorization: Bearer ${key.key}" ${ctx.config.PUBLIC_BASE_URL}/v1/conversations
`);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const ctx = await createContext({ ...config, LOG_LEVEL: 'warn' });
  try {
    await run(ctx, process.argv.slice(2));
  } catch (err) {
    console.error(`error: ${(err as Error).message}`);
    process.exitCode = 1;
  } finally {
    await closeContext(ctx);
  }
}

void main();
