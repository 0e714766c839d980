import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';

/**
 * Two gateway processes of one deployment (one store, one Redis prefix, one key): a channel
 * changed through one of them is not served stale, decrypted, by the other.
 */
let a: Harness;
let b: Harness;
let wa: WhatsAppFixture;

beforeAll(async () => {
  const OMNIGATE_ENCRYPTION_KEY = randomBytes(32).toString('hex');
  a = await startHarness({ workers: false, config: { OMNIGATE_ENCRYPTION_KEY } });
  b = await startHarness({ workers: false, config: { MONGODB_URI: a.ctx.config.MONGODB_URI, QUEUE_PREFIX: a.ctx.config.QUEUE_PREFIX, OMNIGATE_ENCRYPTION_KEY } });
  wa = await createWhatsAppWorkspace(a);
});
afterAll(async () => {
  await b.close();
  await a.close();
});

describe('the decrypted channel cache', () => {
  it('drops every process’s copy when a channel’s secrets change', async () => {
    expect((await b.ctx.channels.resolveById(wa.channelId))?.access.secrets.appSecret).toBe(wa.appSecret);
    const res = await a.api('PATCH', `/v1/channels/${wa.channelId}`, { key: wa.key, body: { secrets: { appSecret: 'rotated-app-secret' } } });
    expect(res.status).toBe(200);
    await eventually(async () => (await b.ctx.channels.resolveById(wa.channelId))?.access.secrets.appSecret === 'rotated-app-secret');
  });
});
