import axios from 'axios';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ProviderRequestError, type ChannelAccess } from '../contract.js';
import { createWhatsAppTwilioConnector, type WhatsAppTwilioSecrets, type WhatsAppTwilioSettings } from './index.js';
import { useStrictNock } from '../support/testing.js';

const API = 'https://api.twilio.com';
const CDN = 'https://mms.twiliocdn.com';
const ACC = 'AC5ef8732a3c49700934481addd5ce1659';
const TOKEN = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const MEDIA_PATH = `/2010-04-01/Accounts/${ACC}/Messages/MM3f2a9c1e8b7d4605a1c2e3f4b5a60004/Media/ME8c1d2e3f4a5b6c7d8e9f0a1b2c3d0004`;
const CDN_PATH = `/${ACC}/2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e?Expires=1749416383&Signature=abc`;
const BASIC = `Basic ${Buffer.from(`${ACC}:${TOKEN}`).toString('base64')}`;

const connector = createWhatsAppTwilioConnector({ http: axios.create({ baseURL: API }) });
const channel: ChannelAccess<WhatsAppTwilioSettings, WhatsAppTwilioSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gw.example.test/webhooks/whatsapp-twilio/ch1',
  settings: { accountSid: ACC, sender: '+14155238886' },
  secrets: { authToken: TOKEN },
};
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);

useStrictNock();

describe('fetchMedia', () => {
  it('GETs the MediaUrl with Basic auth, follows the redirect to the CDN without it, typed by the served content type', async () => {
    const seen: Record<string, string | undefined> = {};
    nock(API)
      .get(MEDIA_PATH)
      .reply(function () {
        seen.api = this.req.headers.authorization;
        return [302, '', { Location: `${CDN}${CDN_PATH}` }];
      });
    nock(CDN)
      .get(CDN_PATH)
      .reply(function () {
        seen.cdn = this.req.headers.authorization;
        return [200, jpeg, { 'Content-Type': 'image/jpeg; charset=binary' }];
      });

    const fetched = await connector.fetchMedia({ url: `${API}${MEDIA_PATH}` }, channel);
    expect(fetched.mimeType).toBe('image/jpeg');
    expect(Buffer.isBuffer(fetched.data)).toBe(true);
    expect(fetched.data.equals(jpeg)).toBe(true);
    expect(seen).toEqual({ api: BASIC, cdn: undefined });
  });

  it('a relative redirect stays on Twilio and keeps the credentials', async () => {
    nock(API).get(MEDIA_PATH).reply(307, '', { Location: '/media/final' });
    nock(API).get('/media/final').matchHeader('authorization', BASIC).reply(200, jpeg, { 'Content-Type': 'image/png' });
    expect(await connector.fetchMedia({ url: `${API}${MEDIA_PATH}` }, channel)).toEqual({ data: jpeg, mimeType: 'image/png' });
  });

  it('a direct answer needs no redirect; an untyped one is application/octet-stream', async () => {
    nock(API).get(MEDIA_PATH).matchHeader('authorization', BASIC).reply(200, jpeg);
    expect((await connector.fetchMedia({ url: `${API}${MEDIA_PATH}` }, channel)).mimeType).toBe('application/octet-stream');
  });

  it('never sends the credentials to a host that is not Twilio’s API', async () => {
    let authorization: string | undefined = 'not called';
    nock('https://cdn.example.test')
      .get('/photo.jpg')
      .reply(function () {
        authorization = this.req.headers.authorization;
        return [200, jpeg, { 'Content-Type': 'image/jpeg' }];
      });
    await connector.fetchMedia({ url: 'https://cdn.example.test/photo.jpg' }, channel);
    expect(authorization).toBeUndefined();
  });

  it('regional API hosts get the credentials; plain http to Twilio does not', async () => {
    const regional = 'https://api.dublin.ie1.twilio.com';
    nock(regional).get(MEDIA_PATH).matchHeader('authorization', BASIC).reply(200, jpeg);
    await connector.fetchMedia({ url: `${regional}${MEDIA_PATH}` }, channel);

    let authorization: string | undefined = 'not called';
    nock('http://api.twilio.com')
      .get(MEDIA_PATH)
      .reply(function () {
        authorization = this.req.headers.authorization;
        return [200, jpeg];
      });
    await connector.fetchMedia({ url: `http://api.twilio.com${MEDIA_PATH}` }, channel);
    expect(authorization).toBeUndefined();
  });

  it('a stand-in given as baseURL is trusted like Twilio', async () => {
    const standIn = createWhatsAppTwilioConnector({ http: axios.create({ baseURL: 'http://twilio.stand-in.test:8080' }) });
    nock('http://twilio.stand-in.test:8080').get('/m/1').matchHeader('authorization', BASIC).reply(200, jpeg);
    await standIn.fetchMedia({ url: 'http://twilio.stand-in.test:8080/m/1' }, channel);
  });

  it('deleted media (404) fails final, without the credentials in the error', async () => {
    nock(API).get(MEDIA_PATH).reply(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
    const err = await connector.fetchMedia({ url: `${API}${MEDIA_PATH}` }, channel).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(err).toMatchObject({ code: 'http_404', outcome: 'final' });
    expect(JSON.stringify(err)).not.toContain(TOKEN);
    expect(JSON.stringify(err)).not.toContain(BASIC.slice(6));
  });

  it('a failing CDN is retryable', async () => {
    nock(API).get(MEDIA_PATH).reply(302, '', { Location: `${CDN}${CDN_PATH}` });
    nock(CDN).get(CDN_PATH).reply(503, 'busy');
    await expect(connector.fetchMedia({ url: `${API}${MEDIA_PATH}` }, channel)).rejects.toMatchObject({ code: 'http_503', outcome: 'retry' });
  });

  it('a redirect loop or a redirect without Location ends', async () => {
    nock(API).get(MEDIA_PATH).times(4).reply(302, '', { Location: MEDIA_PATH });
    await expect(connector.fetchMedia({ url: `${API}${MEDIA_PATH}` }, channel)).rejects.toMatchObject({ code: 'too_many_redirects', outcome: 'final' });
    nock(API).get(MEDIA_PATH).reply(302, '');
    await expect(connector.fetchMedia({ url: `${API}${MEDIA_PATH}` }, channel)).rejects.toMatchObject({ code: 'invalid_response' });
  });

  it('nothing to fetch is an error', async () => {
    await expect(connector.fetchMedia({ providerMediaId: 'ME1' }, channel)).rejects.toMatchObject({ code: 'media_missing', outcome: 'final' });
  });
});
