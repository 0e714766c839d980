import axios from 'axios';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import type { ChannelAccess } from '../contract.js';
import { createWhatsAppCloudConnector, type WhatsAppCloudSecrets, type WhatsAppCloudSettings } from './index.js';
import { useStrictNock } from '../support/testing.js';

const BASE = 'https://graph.example.test';
const WABA = '102290129340398';
const PATH = `/v23.0/${WABA}/message_templates`;
const FIELDS = 'id,name,language,status,category,components';
const connector = createWhatsAppCloudConnector({ http: axios.create({ baseURL: BASE }), graphVersion: 'v23.0' });
const channel: ChannelAccess<WhatsAppCloudSettings, WhatsAppCloudSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/whatsapp-cloud/ch1',
  settings: { phoneNumberId: '106540352242922', wabaId: WABA },
  secrets: { accessToken: 'test-token', appSecret: 'app-secret', verifyToken: 'verify' },
};
const listTemplates = () => {
  if (!connector.listTemplates) throw new Error('listTemplates missing');
  return connector.listTemplates(channel);
};

const orderUpdate = {
  name: 'order_update',
  parameter_format: 'POSITIONAL',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}', example: { header_text: ['#1234'] } },
    { type: 'BODY', text: 'Hi {{1}}, your order ships {{2}}.', example: { body_text: [['Ana', 'today']] } },
    { type: 'FOOTER', text: 'Reply STOP to opt out' },
    { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Track' }, { type: 'URL', text: 'Open', url: 'https://shop.example.test/o/{{1}}' }] },
  ],
  language: 'en_US',
  status: 'APPROVED',
  category: 'UTILITY',
  id: '1689556908129832',
};
const promo = { name: 'summer_promo', components: [{ type: 'BODY', text: 'Sale!' }], language: 'pt_BR', status: 'PAUSED', category: 'MARKETING', id: '2' };
const otp = { name: 'otp', components: [{ type: 'BODY', text: '{{1}} is your code.' }], language: 'en', status: 'REJECTED', category: 'AUTHENTICATION', id: '3' };

useStrictNock();

describe('listTemplates', () => {
  it('follows the pages until there is no next and maps every template', async () => {
    nock(BASE)
      .get(PATH)
      .query({ fields: FIELDS, limit: '100' })
      .matchHeader('authorization', 'Bearer test-token')
      .reply(200, { data: [orderUpdate, promo], paging: { cursors: { before: 'QVFIUb4', after: 'QVFIUaf1' }, next: `https://graph.facebook.com/v23.0/${WABA}/message_templates?limit=100&after=QVFIUaf1` } });
    nock(BASE)
      .get(PATH)
      .query({ fields: FIELDS, limit: '100', after: 'QVFIUaf1' })
      .matchHeader('authorization', 'Bearer test-token')
      .reply(200, { data: [otp], paging: { cursors: { before: 'QVFIUb5', after: 'QVFIUaf2' } } });

    const templates = await listTemplates();
    expect(templates.map((t) => [t.name, t.language, t.category, t.status, t.providerTemplateId])).toEqual([
      ['order_update', 'en_US', 'UTILITY', 'APPROVED', '1689556908129832'],
      ['summer_promo', 'pt_BR', 'MARKETING', 'PAUSED', '2'],
      ['otp', 'en', 'AUTHENTICATION', 'REJECTED', '3'],
    ]);
    expect(templates[0]?.components).toEqual(orderUpdate.components);
  });

  it('takes the cursor from the next URL when no cursors are given, and never calls that URL itself', async () => {
    nock(BASE)
      .get(PATH)
      .query({ fields: FIELDS, limit: '100' })
      .reply(200, { data: [promo], paging: { next: `https://evil.example.test/v23.0/${WABA}/message_templates?after=CURSOR2` } });
    nock(BASE).get(PATH).query({ fields: FIELDS, limit: '100', after: 'CURSOR2' }).reply(200, { data: [otp] });
    expect((await listTemplates()).map((t) => t.name)).toEqual(['summer_promo', 'otp']);
  });

  it('stops when a cursor repeats', async () => {
    const next = `${BASE}${PATH}?after=SAME`;
    nock(BASE).get(PATH).query({ fields: FIELDS, limit: '100' }).reply(200, { data: [promo], paging: { cursors: { after: 'SAME' }, next } });
    nock(BASE).get(PATH).query({ fields: FIELDS, limit: '100', after: 'SAME' }).reply(200, { data: [otp], paging: { cursors: { after: 'SAME' }, next } });
    expect(await listTemplates()).toHaveLength(2);
  });

  it("maps Meta's extra statuses and leaves out what it cannot name", async () => {
    nock(BASE)
      .get(PATH)
      .query(true)
      .reply(200, {
        data: [
          { ...promo, name: 'appealed', status: 'IN_APPEAL' },
          { ...promo, name: 'deleted', status: 'PENDING_DELETION' },
          { ...promo, name: 'odd_status', status: 'LIMIT_EXCEEDED' },
          { ...promo, name: 'legacy_category', category: 'TRANSACTIONAL' },
        ],
      });
    expect((await listTemplates()).map((t) => [t.name, t.status])).toEqual([
      ['appealed', 'PENDING'],
      ['deleted', 'ARCHIVED'],
    ]);
  });

  it('a Graph error fails the listing with its code', async () => {
    nock(BASE).get(PATH).query(true).reply(400, { error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } });
    await expect(listTemplates()).rejects.toMatchObject({ code: '190', outcome: 'final' });
  });
});
