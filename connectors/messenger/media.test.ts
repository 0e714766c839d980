import axios from 'axios';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { ProviderRequestError, type ChannelAccess } from '../contract.js';
import { createMessengerConnector, type MessengerSecrets, type MessengerSettings } from './index.js';
import { useStrictNock } from '../support/testing.js';

const CDN = 'https://scontent.xx.fbcdn.net';
const PATH = '/v/t1.15752-9/449573543_1019386_n.jpg?_nc_cat=111&ccb=1-7&_nc_sid=fc17b8&oh=03_Q7cD1QE&oe=66A8E0C1';
const connector = createMessengerConnector({ http: axios.create({ baseURL: 'https://graph.example.test' }), graphVersion: 'v23.0' });
const channel: ChannelAccess<MessengerSettings, MessengerSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/messenger/ch1',
  settings: { pageId: '106385752155120', humanAgentEnabled: false },
  secrets: { pageAccessToken: 'page-token', appSecret: 'app-secret', verifyToken: 'verify' },
};
const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46]);

useStrictNock();

describe('fetchMedia', () => {
  it('downloads the signed CDN URL as is, without the Page token, typed by the served content type', async () => {
    let authorization: string | undefined = 'not called';
    nock(CDN)
      .get(PATH)
      .reply(function () {
        authorization = this.req.headers.authorization;
        return [200, bytes, { 'content-type': 'image/jpeg; charset=binary' }];
      });
    const fetched = await connector.fetchMedia({ url: `${CDN}${PATH}` }, channel);
    expect(Buffer.isBuffer(fetched.data)).toBe(true);
    expect(fetched).toEqual({ data: bytes, mimeType: 'image/jpeg' });
    expect(authorization).toBeUndefined();
  });

  it('without a content type the bytes are octet-stream', async () => {
    nock(CDN).get('/a.bin').reply(200, bytes, { 'content-type': '' });
    expect((await connector.fetchMedia({ url: `${CDN}/a.bin` }, channel)).mimeType).toBe('application/octet-stream');
  });

  it('an expired URL fails finally, a CDN hiccup can be retried', async () => {
    nock(CDN).get('/expired.jpg').reply(403, 'URL signature expired');
    nock(CDN).get('/busy.jpg').reply(503, 'busy');
    const expired = await connector.fetchMedia({ url: `${CDN}/expired.jpg` }, channel).catch((e: unknown) => e);
    expect(expired).toBeInstanceOf(ProviderRequestError);
    expect(expired).toMatchObject({ code: 'http_403', outcome: 'final' });
    await expect(connector.fetchMedia({ url: `${CDN}/busy.jpg` }, channel)).rejects.toMatchObject({ code: 'http_503', outcome: 'retry' });
  });

  it('Messenger media has no id to look up: without a URL there is nothing to fetch', async () => {
    await expect(connector.fetchMedia({ providerMediaId: '1857777774821032' }, channel)).rejects.toMatchObject({ code: 'media_missing', outcome: 'final' });
  });
});
