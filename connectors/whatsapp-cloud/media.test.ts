import axios from 'axios';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ProviderRequestError, type ChannelAccess } from '../contract.js';
import { createWhatsAppCloudConnector, type WhatsAppCloudSecrets, type WhatsAppCloudSettings } from './index.js';
import { useStrictNock } from '../support/testing.js';

const BASE = 'https://graph.example.test';
const LOOKASIDE = 'https://lookaside.fbsbx.com';
const connector = createWhatsAppCloudConnector({ http: axios.create({ baseURL: BASE }), graphVersion: 'v23.0' });
const channel: ChannelAccess<WhatsAppCloudSettings, WhatsAppCloudSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/whatsapp-cloud/ch1',
  settings: { phoneNumberId: '106540352242922', wabaId: '102290129340398' },
  secrets: { accessToken: 'test-token', appSecret: 'app-secret', verifyToken: 'verify' },
};
const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);
const downloadPath = '/whatsapp_business/attachments/?mid=1003383421387256&ext=1749416383&hash=ATt1';

useStrictNock();

describe('fetchMedia', () => {
  it('asks Graph for the URL, then downloads it with the same token', async () => {
    nock(BASE)
      .get('/v23.0/1003383421387256')
      .matchHeader('authorization', 'Bearer test-token')
      .reply(200, {
        messaging_product: 'whatsapp',
        url: `${LOOKASIDE}${downloadPath}`,
        mime_type: 'image/jpeg',
        sha256: 'HgQmRJg+5V4L/1Q1bCw/Jv6Ex7nkDWsM0qiU8hd6n1E=',
        file_size: bytes.length,
        id: '1003383421387256',
      });
    nock(LOOKASIDE).get(downloadPath).matchHeader('authorization', 'Bearer test-token').reply(200, bytes, { 'content-type': 'application/octet-stream' });

    const fetched = await connector.fetchMedia({ providerMediaId: '1003383421387256' }, channel);
    expect(fetched.mimeType).toBe('image/jpeg');
    expect(Buffer.isBuffer(fetched.data)).toBe(true);
    expect(fetched.data.equals(bytes)).toBe(true);
  });

  it('prefers the media id over a URL', async () => {
    nock(BASE).get('/v23.0/m1').reply(200, { url: `${LOOKASIDE}/m1`, mime_type: 'audio/ogg' });
    nock(LOOKASIDE).get('/m1').reply(200, bytes);
    expect((await connector.fetchMedia({ providerMediaId: 'm1', url: 'https://elsewhere.example.test/m1' }, channel)).mimeType).toBe('audio/ogg');
  });

  it('downloads a Meta URL directly, with the token, typed by the served content type', async () => {
    nock(LOOKASIDE).get(downloadPath).matchHeader('authorization', 'Bearer test-token').reply(200, bytes, { 'content-type': 'image/png; charset=binary' });
    const fetched = await connector.fetchMedia({ url: `${LOOKASIDE}${downloadPath}` }, channel);
    expect(fetched).toEqual({ data: bytes, mimeType: 'image/png' });
  });

  it('never sends the token to a host that is not Meta', async () => {
    let authorization: string | undefined = 'not called';
    nock('https://cdn.example.test')
      .get('/photo.jpg')
      .reply(function () {
        authorization = this.req.headers.authorization;
        return [200, bytes, { 'content-type': 'image/jpeg' }];
      });
    await connector.fetchMedia({ url: 'https://cdn.example.test/photo.jpg' }, channel);
    expect(authorization).toBeUndefined();
  });

  it('an expired media id fails with the Graph code, without the token in the error', async () => {
    nock(BASE).get('/v23.0/gone').reply(404, { error: { message: 'Unsupported get request.', type: 'GraphMethodException', code: 100, error_subcode: 33 } });
    const err = await connector.fetchMedia({ providerMediaId: 'gone' }, channel).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(err).toMatchObject({ code: '100', outcome: 'final' });
    expect(JSON.stringify(err)).not.toContain('test-token');
  });

  it('a failed download is retryable', async () => {
    nock(BASE).get('/v23.0/m2').reply(200, { url: `${LOOKASIDE}/m2`, mime_type: 'image/jpeg' });
    nock(LOOKASIDE).get('/m2').reply(503, 'busy');
    await expect(connector.fetchMedia({ providerMediaId: 'm2' }, channel)).rejects.toMatchObject({ code: 'http_503', outcome: 'retry' });
  });

  it('nothing to fetch is an error', async () => {
    await expect(connector.fetchMedia({}, channel)).rejects.toMatchObject({ code: 'media_missing' });
  });
});
