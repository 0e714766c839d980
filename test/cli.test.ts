import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './support/cli.js';
import { startHarness, type Harness } from './support/harness.js';

/** What the help and a usage error must never load: they answer without any service. */
const HEAVY = ['mongoose', 'bullmq', 'ioredis', 'axios', 'express', 'twilio', 'imapflow', 'prom-client'];

describe('the CLI without any service', () => {
  it('answers --help with every command, loading nothing heavy', async () => {
    const run = await runCli(['--help'], {}, HEAVY);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Usage: omnigate <command> [options]');
    for (const command of ['workspace list', 'api-key list --workspace <id>', 'channel list --workspace <id>', 'secrets reseal']) expect(run.stdout).toContain(command);
  });

  it("answers a command's --help with its options", async () => {
    const run = await runCli(['api-key', 'create', '--help'], {}, HEAVY);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--role <admin|agent|automation>');
  });

  it('refuses an unknown role, option or command with status 2 and the usage', async () => {
    const role = await runCli(['api-key', 'create', '--workspace', '665f1c2e9b1e8a0012345678', '--name', 'x', '--role', 'admn'], {}, HEAVY);
    expect(role.status).toBe(2);
    expect(role.stderr).toContain('error: --role must be one of admin, agent, automation, not "admn"');
    expect(role.stderr).toContain('Usage: omnigate api-key create');
    const option = await runCli(['workspace', 'list', '--colour', 'red'], {}, HEAVY);
    expect(option.status).toBe(2);
    expect(option.stderr).toContain('error: unknown option --colour');
    const command = await runCli(['workspaces'], {}, HEAVY);
    expect(command.status).toBe(2);
    expect(command.stderr).toContain('error: unknown command "workspaces"');
    expect(command.stdout).toBe('');
  });

  it('names the missing settings when a command needs the configuration', async () => {
    const run = await runCli(['workspace', 'list']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('MONGODB_URI');
  });
});

describe('the CLI against the services', () => {
  let h: Harness;
  let env: Record<string, string>;

  beforeAll(async () => {
    const encryptionKey = randomBytes(32).toString('hex');
    h = await startHarness({ workers: false, config: { OMNIGATE_ENCRYPTION_KEY: encryptionKey } });
    const { config } = h.ctx;
    env = {
      MONGODB_URI: config.MONGODB_URI,
      REDIS_URL: config.REDIS_URL,
      QUEUE_PREFIX: config.QUEUE_PREFIX,
      OMNIGATE_ENCRYPTION_KEY: encryptionKey,
      OMNIGATE_ADMIN_TOKEN: config.OMNIGATE_ADMIN_TOKEN,
      PUBLIC_BASE_URL: config.PUBLIC_BASE_URL,
    };
  });
  afterAll(() => h?.close());

  async function json(args: string[], runEnv = env): Promise<any> {
    const run = await runCli(args, runEnv);
    if (run.status !== 0) throw new Error(`${args.join(' ')}: status ${run.status}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  }

  it('creates and lists workspaces, keys and channels', async () => {
    const created = await json(['workspace', 'create', '--name', 'Acme CLI']);
    const workspace: string = created.workspaceId;
    expect(created.apiKey).toMatch(/^og_/);

    // Listing needs the store alone: it works with Redis out of reach.
    const workspaces = await json(['workspace', 'list', '--json'], { ...env, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(workspaces).toContainEqual(expect.objectContaining({ id: workspace, name: 'Acme CLI' }));
    const table = await runCli(['workspace', 'list'], env);
    expect(table.stdout).toMatch(new RegExp(`${workspace}\\s+Acme CLI`));

    const key = await json(['api-key', 'create', '--workspace', workspace, '--name', 'helpdesk bot', '--role', 'automation']);
    expect(key).toMatchObject({ name: 'helpdesk bot', role: 'automation' });
    expect((await h.ctx.store.apiKeys.findById(key.id).lean())?.role).toBe('automation');
    const keys = await json(['api-key', 'list', '--workspace', workspace, '--json']);
    expect(keys.map((k: any) => [k.name, k.role, k.revoked])).toEqual([
      ['helpdesk bot', 'automation', false],
      ['default admin key', 'admin', false],
    ]);

    const channel = await json([
      'channel', 'add', 'whatsapp-cloud', '--workspace', workspace, '--name', 'Support',
      '--settings', '{"phoneNumberId":"5550001","wabaId":"5550002"}',
      '--secrets', '{"accessToken":"t","appSecret":"s","verifyToken":"v"}',
    ]);
    expect(channel).toMatchObject({ type: 'whatsapp-cloud', name: 'Support', webhookUrl: `http://gateway.test/webhooks/whatsapp-cloud/${channel.id}` });
    const channels = await json(['channel', 'list', '--workspace', workspace, '--json']);
    expect(channels).toEqual([expect.objectContaining({ id: channel.id, accountId: '5550001' })]);
    const channelTable = await runCli(['channel', 'list', '--workspace', workspace], env);
    expect(channelTable.stdout).toContain(channel.webhookUrl);
  });

  it("shows the API's field errors when a channel's settings are invalid", async () => {
    const { workspaceId } = await json(['workspace', 'create', '--name', 'Field errors']);
    const run = await runCli(
      ['channel', 'add', 'whatsapp-cloud', '--workspace', workspaceId, '--name', 'Support', '--settings', '{"wabaId":5}', '--secrets', '{"accessToken":"t"}'],
      env,
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error: Invalid settings or secrets for a whatsapp-cloud channel (validation_failed)');
    expect(run.stderr).toMatch(/settings\.phoneNumberId: .+/);
    expect(run.stderr).toMatch(/settings\.wabaId: .+/);
    expect(run.stderr).toMatch(/secrets\.appSecret: .+/);
    expect(await h.ctx.store.channels.countDocuments({ workspaceId })).toBe(0);
  });

  it('refuses a key, a listing or a sync for a workspace or channel that does not exist', async () => {
    const run = await runCli(['api-key', 'create', '--workspace', '665f1c2e9b1e8a0012345678', '--name', 'orphan'], env);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('error: Workspace not found (not_found)');
    expect(await h.ctx.store.apiKeys.countDocuments({ name: 'orphan' })).toBe(0);
    const listing = await runCli(['channel', 'list', '--workspace', '665f1c2e9b1e8a0012345678'], env);
    expect(listing.stderr).toContain('error: Workspace not found (not_found)');
    const { workspaceId } = await json(['workspace', 'create', '--name', 'No channels']);
    const sync = await runCli(['templates', 'sync', '--workspace', workspaceId, '--channel', '665f1c2e9b1e8a0012345678'], env);
    expect(sync.status).toBe(1);
    expect(sync.stderr).toContain('error: Channel not found (not_found)');
  });
});
