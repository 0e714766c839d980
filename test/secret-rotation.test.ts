import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox, type SealedSecret } from '../src/security/secret-box.js';
import { runCli } from './support/cli.js';
import { createWhatsAppWorkspace, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';

/** Every sealed value in the store: channels' secrets, subscriptions' signing secrets, rules' webhook secrets, the AI agent's API key. */
async function sealedValues(h: Harness): Promise<SealedSecret[]> {
  const { store } = h.ctx;
  const [channels, subscriptions, rules, aiAgents] = await Promise.all([
    store.channels.find().lean(),
    store.webhookSubscriptions.find().lean(),
    store.automationRules.find().lean(),
    store.aiAgentConfigs.find().lean(),
  ]);
  return [...channels.map((c) => c.secrets), ...subscriptions.map((s) => s.secrets), ...rules.map((r) => r.webhookSecret), ...aiAgents.map((a) => a.secret!)];
}

describe('encryption key rotation', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  let h: Harness;
  let ws: WhatsAppFixture;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ workers: false, config: { OMNIGATE_ENCRYPTION_KEY: oldKey.toString('hex') } });
    ws = await createWhatsAppWorkspace(h);
    const subscription = await h.api('POST', '/v1/webhook-subscriptions', { key: ws.key, body: { url: 'http://127.0.0.1:9/hook', events: ['message.received'] } });
    expect(subscription.status).toBe(201);
    const rule = await h.api('POST', '/v1/automation-rules', { key: ws.key, body: { name: 'tag', trigger: 'message.received', actions: [{ type: 'add_tag', tag: 'x' }] } });
    expect(rule.status).toBe(201);
    const aiAgent = await h.api('PUT', '/v1/ai-agent', { key: ws.key, body: { enabled: true, backend: { type: 'openai', baseUrl: 'http://127.0.0.1:9/v1', model: 'm', apiKey: 'sk-1' } } });
    expect(aiAgent.status).toBe(200);
    env = {
      MONGODB_URI: h.ctx.config.MONGODB_URI,
      REDIS_URL: h.ctx.config.REDIS_URL,
      QUEUE_PREFIX: h.ctx.config.QUEUE_PREFIX,
      OMNIGATE_ADMIN_TOKEN: h.ctx.config.OMNIGATE_ADMIN_TOKEN,
      OMNIGATE_ENCRYPTION_KEY: newKey.toString('hex'),
      OMNIGATE_PREVIOUS_ENCRYPTION_KEYS: oldKey.toString('hex'),
    };
  });
  afterAll(() => h?.close());

  it('reseals every stored secret with the new key, keeping what they hold', async () => {
    const before = await sealedValues(h);
    expect(before).toHaveLength(4);
    const plain = before.map((sealed) => new SecretBox(oldKey).open(sealed));
    // A process given the new key with the old one as previous reads them all before the reseal.
    expect(before.map((sealed) => new SecretBox(newKey, [oldKey]).open(sealed))).toEqual(plain);

    const run = await runCli(['secrets', 'reseal'], env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      channels: { resealed: 1, alreadyCurrent: 0, changedMeanwhile: 0 },
      webhookSubscriptions: { resealed: 1, alreadyCurrent: 0, changedMeanwhile: 0 },
      automationRules: { resealed: 1, alreadyCurrent: 0, changedMeanwhile: 0 },
      aiAgentConfigs: { resealed: 1, alreadyCurrent: 0, changedMeanwhile: 0 },
    });

    const after = await sealedValues(h);
    const newOnly = new SecretBox(newKey);
    expect(after.every((sealed) => newOnly.isSealedWithCurrentKey(sealed))).toBe(true);
    expect(after.map((sealed) => newOnly.open(sealed))).toEqual(plain);

    const again = await runCli(['secrets', 'reseal'], env);
    expect(JSON.parse(again.stdout).channels).toEqual({ resealed: 0, alreadyCurrent: 1, changedMeanwhile: 0 });
  });

  it('refuses to run without the key that sealed a secret, and changes nothing', async () => {
    const third = randomBytes(32).toString('hex');
    const before = await sealedValues(h);
    const run = await runCli(['secrets', 'reseal'], { ...env, OMNIGATE_ENCRYPTION_KEY: third, OMNIGATE_PREVIOUS_ENCRYPTION_KEYS: '' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('not configured');
    expect(await sealedValues(h)).toEqual(before);
  });
});
