import axios from 'axios';
import nock from 'nock';
import { describe, expect, it, vi } from 'vitest';
import { ProviderSendError, type ChannelAccess, type OutboundSend } from '../contract.js';
import type { MessageContent } from '../../src/domain/message.js';
import { createWhatsAppCloudConnector, type WhatsAppCloudSecrets, type WhatsAppCloudSettings } from './index.js';
import { useStrictNock, refusal } from '../support/testing.js';

const BASE = 'https://graph.example.test';
const PNID = '106540352242922';
const MESSAGES = `/v23.0/${PNID}/messages`;
const MEDIA = `/v23.0/${PNID}/media`;
const TO = '16505551234';

const connector = createWhatsAppCloudConnector({ http: axios.create({ baseURL: BASE }), graphVersion: 'v23.0' });
const channel: ChannelAccess<WhatsAppCloudSettings, WhatsAppCloudSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/whatsapp-cloud/ch1',
  settings: { phoneNumberId: PNID, wabaId: '102290129340398' },
  secrets: { accessToken: 'test-token', appSecret: 'app-secret', verifyToken: 'verify' },
};
const accepted = { messaging_product: 'whatsapp', contacts: [{ input: TO, wa_id: TO }], messages: [{ id: 'wamid.OUT1' }] };

const noStoredMedia = () => Promise.reject(new Error('no stored media in this test'));
const send = (content: MessageContent, extra: Partial<OutboundSend> = {}) =>
  connector.send({ to: TO, content, loadStoredMedia: noStoredMedia, ...extra }, channel);

/** Expects exactly this JSON body, with the Bearer token, and answers like Meta. */
function expectMessage(body: Record<string, unknown>, reply: { status: number; body: unknown } = { status: 200, body: accepted }) {
  return nock(BASE)
    .post(MESSAGES, { messaging_product: 'whatsapp', recipient_type: 'individual', to: TO, ...body })
    .matchHeader('authorization', 'Bearer test-token')
    .matchHeader('content-type', /^application\/json/)
    .reply(reply.status, reply.body as nock.Body);
}

useStrictNock();

describe('request bodies', () => {
  it('text, without link previews, as a reply', async () => {
    expectMessage({ context: { message_id: 'wamid.IN1' }, type: 'text', text: { body: 'Your order ships today', preview_url: false } });
    await expect(send({ type: 'text', text: 'Your order ships today' }, { replyToProviderMessageId: 'wamid.IN1' })).resolves.toEqual({ providerMessageId: 'wamid.OUT1' });
  });

  it('a business-scoped user id goes in `recipient`, not `to`', async () => {
    nock(BASE)
      .post(MESSAGES, { messaging_product: 'whatsapp', recipient_type: 'individual', recipient: 'US.13491208655302741918', type: 'text', text: { body: 'hi', preview_url: false } })
      .reply(200, accepted);
    await connector.send({ to: 'US.13491208655302741918', content: { type: 'text', text: 'hi' }, loadStoredMedia: noStoredMedia }, channel);
  });

  it('image by media id, with caption', async () => {
    expectMessage({ type: 'image', image: { id: '1003383421387256', caption: 'Your receipt' } });
    await send({ type: 'image', media: { providerMediaId: '1003383421387256' }, caption: 'Your receipt' });
  });

  it('video by link', async () => {
    expectMessage({ type: 'video', video: { link: 'https://cdn.example.test/demo.mp4' } });
    await send({ type: 'video', media: { url: 'https://cdn.example.test/demo.mp4' } });
  });

  it('document by link, with filename and caption', async () => {
    expectMessage({ type: 'document', document: { link: 'https://cdn.example.test/i.pdf', caption: 'Invoice', filename: 'invoice.pdf' } });
    await send({ type: 'document', media: { url: 'https://cdn.example.test/i.pdf' }, caption: 'Invoice', filename: 'invoice.pdf' });
  });

  it('audio and sticker by id', async () => {
    expectMessage({ type: 'audio', audio: { id: 'a1' } });
    expectMessage({ type: 'sticker', sticker: { id: 's1' } });
    await send({ type: 'audio', media: { providerMediaId: 'a1' } });
    await send({ type: 'sticker', media: { providerMediaId: 's1' } });
  });

  it('location', async () => {
    expectMessage({ type: 'location', location: { latitude: 38.7223, longitude: -9.1393, name: 'Store', address: 'Rua Augusta 1, Lisboa' } });
    await send({ type: 'location', latitude: 38.7223, longitude: -9.1393, name: 'Store', address: 'Rua Augusta 1, Lisboa' });
  });

  it('contacts', async () => {
    const card = { name: { formatted_name: 'Support', first_name: 'Support' }, phones: [{ phone: '+15550783881', type: 'WORK' }] };
    expectMessage({ type: 'contacts', contacts: [card] });
    await send({ type: 'contacts', contacts: [card] });
  });

  it('template: name, language code and our components passed straight through', async () => {
    const components = [
      { type: 'header' as const, parameters: [{ type: 'image' as const, image: { link: 'https://cdn.example.test/h.png' } }] },
      { type: 'body' as const, parameters: [{ type: 'text' as const, text: 'Ana' }, { type: 'text' as const, text: '#1234', parameter_name: 'order_id' }] },
      { type: 'button' as const, sub_type: 'quick_reply' as const, index: 0, parameters: [{ type: 'payload' as const, payload: 'TRACK_1234' }] },
    ];
    expectMessage({ type: 'template', template: { name: 'order_update', language: { code: 'pt_BR' }, components } });
    await send({ type: 'template', template: { name: 'order_update', language: 'pt_BR', components } });
  });

  it('template without parameters sends no components', async () => {
    expectMessage({ type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } });
    await send({ type: 'template', template: { name: 'hello_world', language: 'en_US', components: [] } });
  });

  it('interactive reply buttons', async () => {
    expectMessage({
      type: 'interactive',
      interactive: {
        type: 'button',
        header: { type: 'text', text: 'Delivery' },
        body: { text: 'Confirm the slot?' },
        footer: { text: 'Reply within 24 h' },
        action: { buttons: [{ type: 'reply', reply: { id: 'yes', title: 'Yes' } }, { type: 'reply', reply: { id: 'no', title: 'No' } }] },
      },
    });
    await send({
      type: 'interactive',
      interactive: { kind: 'buttons', header: 'Delivery', body: 'Confirm the slot?', footer: 'Reply within 24 h', buttons: [{ id: 'yes', title: 'Yes' }, { id: 'no', title: 'No' }] },
    });
  });

  it('interactive list', async () => {
    expectMessage({
      type: 'interactive',
      interactive: {
        type: 'list',
        body: { text: 'Pick a slot' },
        action: {
          button: 'Slots',
          sections: [
            { title: 'Tuesday', rows: [{ id: 't10', title: '10:00', description: 'Main store' }, { id: 't14', title: '14:00' }] },
            { rows: [{ id: 'w10', title: 'Wed 10:00' }] },
          ],
        },
      },
    });
    await send({
      type: 'interactive',
      interactive: {
        kind: 'list',
        body: 'Pick a slot',
        buttonText: 'Slots',
        sections: [
          { title: 'Tuesday', rows: [{ id: 't10', title: '10:00', description: 'Main store' }, { id: 't14', title: '14:00' }] },
          { rows: [{ id: 'w10', title: 'Wed 10:00' }] },
        ],
      },
    });
  });

  it('reaction, and its removal with an empty emoji', async () => {
    expectMessage({ type: 'reaction', reaction: { message_id: 'wamid.IN1', emoji: '👍' } });
    expectMessage({ type: 'reaction', reaction: { message_id: 'wamid.IN1', emoji: '' } });
    await send({ type: 'reaction', targetProviderMessageId: 'wamid.IN1', emoji: '👍' });
    await send({ type: 'reaction', targetProviderMessageId: 'wamid.IN1' });
  });
});

describe('stored media: upload, then send by the returned id', () => {
  it('uploads the bytes as multipart with messaging_product and type, then sends by id', async () => {
    const bytes = Buffer.from('%PDF-1.7 fake invoice bytes');
    let multipart = '';
    nock(BASE)
      .post(MEDIA, (body: string) => {
        multipart = body;
        return true;
      })
      .matchHeader('authorization', 'Bearer test-token')
      .matchHeader('content-type', /^multipart\/form-data; boundary=/)
      .reply(200, { id: '4490709327384033' });
    expectMessage({ type: 'document', document: { id: '4490709327384033', caption: 'Invoice', filename: 'invoice-may.pdf' } });
    const loadStoredMedia = vi.fn(async () => ({ data: bytes, mimeType: 'application/pdf', filename: 'invoice-may.pdf' }));

    await expect(send({ type: 'document', media: { storedId: 'st1' }, caption: 'Invoice' }, { loadStoredMedia })).resolves.toEqual({ providerMessageId: 'wamid.OUT1' });

    expect(loadStoredMedia).toHaveBeenCalledWith('st1');
    expect(multipart).toMatch(/name="messaging_product"\r\n\r\nwhatsapp\r\n/);
    expect(multipart).toMatch(/name="type"\r\n\r\napplication\/pdf\r\n/);
    expect(multipart).toMatch(/name="file"; filename="invoice-may.pdf"\r\nContent-Type: application\/pdf\r\n\r\n%PDF-1.7 fake invoice bytes\r\n/);
  });

  it('media over the kind limit is refused before any upload', async () => {
    const loadStoredMedia = async () => ({ data: Buffer.alloc(512 * 1024 + 1), mimeType: 'image/webp' });
    const err = await refusal(send({ type: 'sticker', media: { storedId: 'st2' } }, { loadStoredMedia }));
    expect(err).toMatchObject({ code: 'media_too_large', outcome: 'final' });
  });

  it('an upload error is mapped by its code and nothing is sent', async () => {
    nock(BASE).post(MEDIA).reply(400, { error: { message: 'Media upload error', code: 131053, error_data: { details: 'Unsupported file type' } } });
    const loadStoredMedia = async () => ({ data: Buffer.from('x'), mimeType: 'image/png' });
    const err = await refusal(send({ type: 'image', media: { storedId: 'st3' } }, { loadStoredMedia }));
    expect(err).toMatchObject({ code: '131053', outcome: 'final', title: 'Media upload error: Unsupported file type' });
  });

  it("the store's own refusal passes through unchanged", async () => {
    const gone = new ProviderSendError('media_not_found', 'Stored media st4 is gone', 'final');
    const err = await refusal(send({ type: 'image', media: { storedId: 'st4' } }, { loadStoredMedia: () => Promise.reject(gone) }));
    expect(err).toBe(gone);
  });
});

describe('content refused before calling Meta', () => {
  it.each<[string, MessageContent, string]>([
    ['text over 4096 characters', { type: 'text', text: 'x'.repeat(4097) }, 'content_too_long'],
    ['empty text', { type: 'text', text: '  ' }, 'content_invalid'],
    ['caption over 1024 characters', { type: 'image', media: { providerMediaId: 'm' }, caption: 'c'.repeat(1025) }, 'content_too_long'],
    ['a caption on audio', { type: 'audio', media: { providerMediaId: 'm' }, caption: 'listen' }, 'content_invalid'],
    ['media without a source', { type: 'image', media: {} }, 'media_missing'],
    ['four reply buttons', { type: 'interactive', interactive: { kind: 'buttons', body: 'b', buttons: ['1', '2', '3', '4'].map((id) => ({ id, title: id })) } }, 'content_invalid'],
    [
      'eleven list rows',
      {
        type: 'interactive',
        interactive: {
          kind: 'list',
          body: 'b',
          buttonText: 'Pick',
          sections: [{ rows: Array.from({ length: 6 }, (_, i) => ({ id: `a${i}`, title: `a${i}` })) }, { rows: Array.from({ length: 5 }, (_, i) => ({ id: `b${i}`, title: `b${i}` })) }],
        },
      },
      'content_invalid',
    ],
    ['an inbound-only type', { type: 'button_reply', payload: 'p', text: 't' }, 'unsupported_content'],
    ['a system message', { type: 'system', systemType: 'user_changed_number', body: 'b' }, 'unsupported_content'],
  ])('%s', async (_name, content, code) => {
    const err = await refusal(send(content));
    expect(err).toMatchObject({ code, outcome: 'final' });
  });

  it('4096 characters exactly, counted as characters (an emoji is one), are sent', async () => {
    const text = '👍'.repeat(4096);
    expectMessage({ type: 'text', text: { body: text, preview_url: false } });
    await send({ type: 'text', text });
  });
});

describe('provider errors mapped to outcomes', () => {
  const text: MessageContent = { type: 'text', text: 'hello' };
  const textBody = { type: 'text', text: { body: 'hello', preview_url: false } };
  const graphError = (code: number, message: string) => ({ error: { message, type: 'OAuthException', code, fbtrace_id: 'A1' } });

  it.each([
    [400, 131047, 'window_closed'],
    [400, 130429, 'retry'],
    [400, 131056, 'retry'],
    [500, 131000, 'retry'],
    [400, 131026, 'final'],
    [401, 190, 'final'],
    [400, 132001, 'final'],
  ])('HTTP %i code %i → %s', async (status, code, outcome) => {
    expectMessage(textBody, { status, body: graphError(code, 'title text is not used to decide') });
    const err = await refusal(send(text));
    expect(err).toMatchObject({ code: String(code), outcome });
  });

  it('HTTP 503 without a Graph body → retry', async () => {
    expectMessage(textBody, { status: 503, body: 'upstream unavailable' });
    expect(await refusal(send(text))).toMatchObject({ code: 'http_503', outcome: 'retry' });
  });

  it('no answer (connection reset) → retry', async () => {
    nock(BASE).post(MESSAGES).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await refusal(send(text))).toMatchObject({ code: 'network_error', outcome: 'retry' });
  });

  it('a success without a message id is final (a retry could send twice)', async () => {
    expectMessage(textBody, { status: 200, body: { messaging_product: 'whatsapp', messages: [] } });
    expect(await refusal(send(text))).toMatchObject({ code: 'invalid_response', outcome: 'final' });
  });
});
