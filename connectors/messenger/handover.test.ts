import axios from 'axios';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { ChannelAccess } from '../contract.js';
import { createMessengerConnector, type MessengerSecrets, type MessengerSettings } from './index.js';
import { useStrictNock } from '../support/testing.js';

const BASE = 'https://graph.example.test';
const PAGE = '106385752155120';
const PSID = '6934512283318745';
const INBOX = '263902037430900';

const connector = createMessengerConnector({ http: axios.create({ baseURL: BASE }), graphVersion: 'v23.0' });
const channel = (settings: Partial<MessengerSettings> = {}): ChannelAccess<MessengerSettings, MessengerSecrets> => ({
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/messenger/ch1',
  settings: { pageId: PAGE, humanAgentEnabled: false, ...settings },
  secrets: { pageAccessToken: 'page-token', appSecret: 'app-secret', verifyToken: 'verify' },
});

useStrictNock();

describe('Messenger thread control (handover protocol)', () => {
  it('passes the thread to the app people answer in, and takes it back', async () => {
    const passed = nock(BASE)
      .post(`/v23.0/${PAGE}/pass_thread_control`, { recipient: { id: PSID }, target_app_id: INBOX, metadata: 'handoff: customer_asked' })
      .matchHeader('authorization', 'Bearer page-token')
      .reply(200, { success: true });
    await connector.moveThreadControl!({ to: 'people', recipient: PSID, metadata: 'handoff: customer_asked' }, channel({ handoverAppId: INBOX }));
    expect(passed.isDone()).toBe(true);

    const taken = nock(BASE).post(`/v23.0/${PAGE}/take_thread_control`, { recipient: { id: PSID } }).reply(200, { success: true });
    await connector.moveThreadControl!({ to: 'ai_agent', recipient: PSID }, channel({ handoverAppId: INBOX }));
    expect(taken.isDone()).toBe(true);
  });

  it('moves nothing when people answer through Omnigate itself (no handoverAppId)', async () => {
    // Strict nock: any request would fail the test.
    await connector.moveThreadControl!({ to: 'people', recipient: PSID }, channel());
  });

  it("throws Meta's refusal", async () => {
    nock(BASE).post(`/v23.0/${PAGE}/pass_thread_control`).reply(400, { error: { code: 10, message: 'not the thread owner' } });
    await expect(connector.moveThreadControl!({ to: 'people', recipient: PSID }, channel({ handoverAppId: INBOX }))).rejects.toThrow('400');
  });

  it('refuses a handoverAppId that is not an app id', () => {
    expect(connector.settingsSchema.safeParse({ pageId: PAGE, handoverAppId: 'inbox' }).success).toBe(false);
  });
});
