import nock from 'nock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWhatsAppWorkspace, eventually, GRAPH_BASE_URL, signMeta, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { messagesWebhook, textMessage, unix } from './support/whatsapp-payloads.js';
import { useProviderStandIns } from './support/provider-stand-ins.js';

let h: Harness;
let wa: WhatsAppFixture;

useProviderStandIns();
beforeAll(async () => {
  h = await startHarness();
  wa = await createWhatsAppWorkspace(h);
});
afterAll(async () => {
  await h.close();
});

async function deliver(payload: object) {
  const body = JSON.stringify(payload);
  const res = await h.api('POST', `/webhooks/whatsapp-cloud/${wa.channelId}`, {
    body,
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signMeta(body, wa.appSecret) },
  });
  expect(res.status).toBe(200);
}

describe('inbound media', () => {
  it('is fetched from the Graph API at ingest and served from our store', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]);
    nock(GRAPH_BASE_URL)
      .get('/v23.0/MEDIA_1')
      .matchHeader('authorization', `Bearer ${wa.accessToken}`)
      .reply(200, { url: `${GRAPH_BASE_URL}/download/MEDIA_1`, mime_type: 'image/jpeg', file_size: jpeg.length, id: 'MEDIA_1' });
    nock(GRAPH_BASE_URL).get('/download/MEDIA_1').matchHeader('authorization', `Bearer ${wa.accessToken}`).reply(200, jpeg, { 'content-type': 'image/jpeg' });

    await deliver(
      messagesWebhook(wa.phoneNumberId, [
        { id: 'wamid.IMG', from: '15554440001', timestamp: unix(h.clock.now()), type: 'image', image: { id: 'MEDIA_1', mime_type: 'image/jpeg', sha256: 'abc', caption: 'receipt' } },
      ]),
    );
    const message = await eventually(async () => {
      const m = await h.ctx.store.messages.findOne({ providerMessageId: 'wamid.IMG' }).lean();
      return m && 'media' in m.content && m.content.media.state === 'stored' ? m : null;
    });
    expect(message.content).toMatchObject({ type: 'image', caption: 'receipt', media: { providerMediaId: 'MEDIA_1', mimeType: 'image/jpeg', size: jpeg.length } });
    const storedId = 'media' in message.content ? message.content.media.storedId : undefined;
    const res = await fetch(`${h.baseUrl}/v1/media/${storedId}`, { headers: { authorization: `Bearer ${wa.key}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('image/jpeg');
    expect(Buffer.from(await res.arrayBuffer()).equals(jpeg)).toBe(true);
  });

  it('marks media over the platform limit too_large and keeps nothing', async () => {
    const big = Buffer.alloc(600 * 1024, 1); // stickers: 500 KB at most
    nock(GRAPH_BASE_URL).get('/v23.0/MEDIA_BIG').reply(200, { url: `${GRAPH_BASE_URL}/download/MEDIA_BIG`, mime_type: 'image/webp', file_size: big.length });
    nock(GRAPH_BASE_URL).get('/download/MEDIA_BIG').reply(200, big, { 'content-type': 'image/webp' });
    await deliver(
      messagesWebhook(wa.phoneNumberId, [
        { id: 'wamid.STICKER', from: '15554440002', timestamp: unix(h.clock.now()), type: 'sticker', sticker: { id: 'MEDIA_BIG', mime_type: 'image/webp', animated: false } },
      ]),
    );
    const message = await eventually(async () => {
      const m = await h.ctx.store.messages.findOne({ providerMessageId: 'wamid.STICKER' }).lean();
      return m && 'media' in m.content && m.content.media.state === 'too_large' ? m : null;
    });
    expect('media' in message.content && message.content.media.storedId).toBeFalsy();
  });
});

describe('template registry', () => {
  it('is seeded from templates/ when a channel is created', async () => {
    const res = await h.api('GET', `/v1/channels/${wa.channelId}/templates`, { key: wa.key });
    expect(res.body.data.map((t: { name: string }) => t.name)).toEqual(['conversation_restart', 'order_update']);
    expect(res.body.data.every((t: { source: string; status: string }) => t.source === 'file' && t.status === 'PENDING')).toBe(true);
  });

  it("syncs from the account's message_templates edge", async () => {
    nock(GRAPH_BASE_URL)
      .get(`/v23.0/waba${wa.phoneNumberId}/message_templates`)
      .query(true)
      .reply(200, {
        data: [
          { id: 'T1', name: 'order_update', language: 'en', category: 'UTILITY', status: 'APPROVED', components: [{ type: 'BODY', text: 'Order {{1}} is {{2}}' }] },
          { id: 'T2', name: 'promo', language: 'pt_BR', category: 'MARKETING', status: 'REJECTED', components: [{ type: 'BODY', text: 'Oferta' }] },
        ],
        paging: { cursors: { before: 'a', after: 'b' } },
      });
    const res = await h.api('POST', `/v1/channels/${wa.channelId}/templates/sync`, { key: wa.key });
    expect(res.status).toBe(200);
    expect(res.body.synced).toBe(2);
    const order = await h.ctx.store.templates.findOne({ channelId: wa.channelId, name: 'order_update', language: 'en' }).lean();
    expect(order).toMatchObject({ status: 'APPROVED', source: 'provider', providerTemplateId: 'T1' });
    expect(await h.ctx.store.templates.countDocuments({ channelId: wa.channelId, name: 'promo', language: 'pt_BR', status: 'REJECTED' })).toBe(1);
  });

  it('follows message_template_status_update webhooks', async () => {
    await deliver({
      object: 'whatsapp_business_account',
      entry: [
        {
          id: `waba${wa.phoneNumberId}`,
          time: unix(h.clock.now()),
          changes: [
            {
              field: 'message_template_status_update',
              value: { event: 'PAUSED', message_template_id: 'T1', message_template_name: 'order_update', message_template_language: 'en', reason: 'LOW_QUALITY' },
            },
          ],
        },
      ],
    });
    await eventually(async () => (await h.ctx.store.templates.findOne({ channelId: wa.channelId, name: 'order_update' }).lean())?.status === 'PAUSED');
    expect(await h.ctx.store.events.countDocuments({ type: 'template.status_updated', 'data.template.status': 'PAUSED' })).toBe(1);
  });
});

describe('reading', () => {
  it('lists conversations with filters and cursor pagination', async () => {
    for (let i = 0; i < 5; i++) {
      await deliver(textMessage(wa.phoneNumberId, { id: `wamid.LIST${i}`, from: `1555500000${i}`, timestamp: unix(h.clock.now()), text: `n${i}` }));
    }
    await eventually(async () => (await h.ctx.store.messages.countDocuments({ providerMessageId: /^wamid\.LIST/ })) === 5);
    const all = await h.api('GET', '/v1/conversations?limit=200', { key: wa.key });
    const total = all.body.data.length;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { data: { id: string }[]; nextCursor: string | null } } = await h.api('GET', `/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { key: wa.key });
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.data.map((c) => c.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.data.map((c: { id: string }) => c.id));
    expect(new Set(seen).size).toBe(total);

    const queued = await h.api('GET', `/v1/conversations?status=queued&channelId=${wa.channelId}`, { key: wa.key });
    expect(queued.body.data.length).toBe(total);
    expect((await h.api('GET', '/v1/conversations?status=resolved', { key: wa.key })).body.data).toEqual([]);
    const future = await h.api('GET', `/v1/conversations?createdFrom=2099-01-01T00:00:00Z`, { key: wa.key });
    expect(future.body.data).toEqual([]);
    expect((await h.api('GET', '/v1/conversations?status=bogus', { key: wa.key })).status).toBe(400);
    expect((await h.api('GET', '/v1/conversations?surprise=1', { key: wa.key })).status).toBe(400);
  });

  it('serves health, readiness and the OpenAPI document', async () => {
    expect((await h.api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await h.api('GET', '/readyz')).body).toMatchObject({ status: 'ready', mongo: true, redis: true });
    const spec = await h.api('GET', '/openapi.json');
    expect(spec.body.openapi).toBe('3.1.0');
    expect(spec.body.paths['/v1/conversations/{id}/messages'].post.requestBody.content['application/json'].schema.oneOf ?? spec.body.paths['/v1/conversations/{id}/messages'].post.requestBody.content['application/json'].schema.anyOf).toBeDefined();
  });
});
