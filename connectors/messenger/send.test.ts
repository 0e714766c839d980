import axios from 'axios';
import nock from 'nock';
import { describe, expect, it, vi } from 'vitest';
import { ProviderSendError, type ChannelAccess, type OutboundSend } from '../contract.js';
import type { MessageContent } from '../../src/domain/message.js';
import { createMessengerConnector, type MessengerSecrets, type MessengerSettings } from './index.js';
import { useStrictNock, refusal } from '../support/testing.js';

const BASE = 'https://graph.example.test';
const PAGE = '106385752155120';
const MESSAGES = `/v23.0/${PAGE}/messages`;
const UPLOADS = `/v23.0/${PAGE}/message_attachments`;
const PSID = '6934512283318745';

const connector = createMessengerConnector({ http: axios.create({ baseURL: BASE }), graphVersion: 'v23.0' });
const channel: ChannelAccess<MessengerSettings, MessengerSecrets> = {
  id: 'ch1',
  workspaceId: 'ws1',
  webhookUrl: 'https://gateway.example.test/webhooks/messenger/ch1',
  settings: { pageId: PAGE, humanAgentEnabled: false },
  secrets: { pageAccessToken: 'page-token', appSecret: 'app-secret', verifyToken: 'verify' },
};
const withHumanAgent = { ...channel, settings: { ...channel.settings, humanAgentEnabled: true } };
const accepted = { recipient_id: PSID, message_id: 'm_OUT1' };

const noStoredMedia = () => Promise.reject(new Error('no stored media in this test'));
const send = (content: MessageContent, extra: Partial<OutboundSend> = {}, on = channel) =>
  connector.send({ to: PSID, content, loadStoredMedia: noStoredMedia, ...extra }, on);

/** Expects exactly this JSON body (the recipient added), with the Page token as Bearer, and answers like Meta. */
function expectSend(body: Record<string, unknown>, reply: { status: number; body: unknown } = { status: 200, body: accepted }) {
  return nock(BASE)
    .post(MESSAGES, { recipient: { id: PSID }, ...body })
    .matchHeader('authorization', 'Bearer page-token')
    .matchHeader('content-type', /^application\/json/)
    .reply(reply.status, reply.body as nock.Body);
}

useStrictNock();

describe('request bodies', () => {
  it('text answering the contact: messaging_type RESPONSE; the message id comes back', async () => {
    expectSend({ messaging_type: 'RESPONSE', message: { text: 'Your order ships today' } });
    await expect(send({ type: 'text', text: 'Your order ships today' })).resolves.toEqual({ providerMessageId: 'm_OUT1' });
  });

  it('a tag the policy allowed: messaging_type MESSAGE_TAG with the tag', async () => {
    expectSend({ messaging_type: 'MESSAGE_TAG', tag: 'POST_PURCHASE_UPDATE', message: { text: 'Your parcel was delivered' } });
    await send({ type: 'text', text: 'Your parcel was delivered' }, { tag: 'POST_PURCHASE_UPDATE' });
  });

  it('HUMAN_AGENT on a channel approved for it', async () => {
    expectSend({ messaging_type: 'MESSAGE_TAG', tag: 'HUMAN_AGENT', message: { text: 'Sorry for the wait' } });
    await send({ type: 'text', text: 'Sorry for the wait' }, { tag: 'HUMAN_AGENT' }, withHumanAgent);
  });

  it('Messenger has no quoted replies for Pages: the quoted mid is not sent', async () => {
    expectSend({ messaging_type: 'RESPONSE', message: { text: 'Yes' } });
    await send({ type: 'text', text: 'Yes' }, { replyToProviderMessageId: 'm_IN1' });
  });

  it.each<[MessageContent, string]>([
    [{ type: 'image', media: { url: 'https://cdn.example.test/p.jpg' } }, 'image'],
    [{ type: 'video', media: { url: 'https://cdn.example.test/v.mp4' } }, 'video'],
    [{ type: 'audio', media: { url: 'https://cdn.example.test/a.mp3' } }, 'audio'],
    [{ type: 'document', media: { url: 'https://cdn.example.test/i.pdf' }, filename: 'invoice.pdf' }, 'file'],
  ])('media by URL: Meta fetches it and keeps it reusable (%j as %s)', async (content, type) => {
    const url = (content as { media: { url: string } }).media.url;
    expectSend({ messaging_type: 'RESPONSE', message: { attachment: { type, payload: { url, is_reusable: true } } } });
    await send(content);
  });

  it('media Meta already holds is sent by attachment id', async () => {
    expectSend({ messaging_type: 'RESPONSE', message: { attachment: { type: 'image', payload: { attachment_id: '1857777774821032' } } } });
    await send({ type: 'image', media: { providerMediaId: '1857777774821032', url: 'https://ignored.example.test/x.jpg' } });
  });

  it('interactive buttons: a button template with postback buttons; header and footer frame the text', async () => {
    expectSend({
      messaging_type: 'RESPONSE',
      message: {
        attachment: {
          type: 'template',
          payload: {
            template_type: 'button',
            text: 'Delivery\n\nConfirm the slot?\n\nReply within 24 h',
            buttons: [
              { type: 'postback', title: 'Yes', payload: 'confirm-yes' },
              { type: 'postback', title: 'No', payload: 'confirm-no' },
            ],
          },
        },
      },
    });
    await send({
      type: 'interactive',
      interactive: {
        kind: 'buttons',
        header: 'Delivery',
        body: 'Confirm the slot?',
        footer: 'Reply within 24 h',
        buttons: [
          { id: 'confirm-yes', title: 'Yes' },
          { id: 'confirm-no', title: 'No' },
        ],
      },
    });
  });

  it('interactive list: quick replies over every section, 13 at most', async () => {
    const rows = Array.from({ length: 13 }, (_, i) => ({ id: `slot-${i}`, title: `Slot ${i}`, description: 'ignored' }));
    expectSend({
      messaging_type: 'RESPONSE',
      message: {
        text: 'Pick a slot',
        quick_replies: rows.map((r) => ({ content_type: 'text', title: r.title, payload: r.id })),
      },
    });
    await send({
      type: 'interactive',
      interactive: { kind: 'list', body: 'Pick a slot', buttonText: 'Slots', sections: [{ title: 'Tuesday', rows: rows.slice(0, 6) }, { rows: rows.slice(6) }] },
    });
  });

  it('reaction and its removal: sender actions on the contact’s message, without messaging type', async () => {
    expectSend({ sender_action: 'react', payload: { message_id: 'm_IN1', reaction: '👍' } });
    expectSend({ sender_action: 'unreact', payload: { message_id: 'm_IN1' } });
    await expect(send({ type: 'reaction', targetProviderMessageId: 'm_IN1', emoji: '👍' })).resolves.toEqual({ providerMessageId: 'm_OUT1' });
    await send({ type: 'reaction', targetProviderMessageId: 'm_IN1' });
  });
});

describe('stored media: uploaded with the Attachment Upload API, then sent by attachment id', () => {
  it('uploads multipart (`message` JSON and `filedata`), then sends by the returned id', async () => {
    const bytes = Buffer.from('%PDF-1.7 fake invoice bytes');
    let multipart = '';
    nock(BASE)
      .post(UPLOADS, (body: string) => {
        multipart = body;
        return true;
      })
      .matchHeader('authorization', 'Bearer page-token')
      .matchHeader('content-type', /^multipart\/form-data; boundary=/)
      .reply(200, { attachment_id: '1857777774821032' });
    expectSend({ messaging_type: 'MESSAGE_TAG', tag: 'ACCOUNT_UPDATE', message: { attachment: { type: 'file', payload: { attachment_id: '1857777774821032' } } } });
    const loadStoredMedia = vi.fn(async () => ({ data: bytes, mimeType: 'application/pdf', filename: 'invoice-may.pdf' }));

    await expect(send({ type: 'document', media: { storedId: 'st1' } }, { loadStoredMedia, tag: 'ACCOUNT_UPDATE' })).resolves.toEqual({ providerMessageId: 'm_OUT1' });

    expect(loadStoredMedia).toHaveBeenCalledWith('st1');
    expect(multipart).toMatch(/name="message"\r\n\r\n\{"attachment":\{"type":"file","payload":\{"is_reusable":true\}\}\}\r\n/);
    expect(multipart).toMatch(/name="filedata"; filename="invoice-may.pdf"\r\nContent-Type: application\/pdf\r\n\r\n%PDF-1\.7 fake invoice bytes\r\n/);
  });

  it('an audio upload keeps its audio content type (Meta requires it)', async () => {
    let multipart = '';
    nock(BASE)
      .post(UPLOADS, (body: string) => {
        multipart = body;
        return true;
      })
      .reply(200, { attachment_id: 42 });
    expectSend({ messaging_type: 'RESPONSE', message: { attachment: { type: 'audio', payload: { attachment_id: '42' } } } });
    await send({ type: 'audio', media: { storedId: 'st5' } }, { loadStoredMedia: async () => ({ data: Buffer.from('ID3'), mimeType: 'audio/mpeg' }) });
    expect(multipart).toMatch(/"type":"audio"/);
    expect(multipart).toMatch(/name="filedata"; filename="audio"\r\nContent-Type: audio\/mpeg\r\n/);
  });

  it('media over 25 MB is refused before any upload', async () => {
    const loadStoredMedia = async () => ({ data: Buffer.alloc(25 * 1024 * 1024 + 1), mimeType: 'video/mp4' });
    expect(await refusal(send({ type: 'video', media: { storedId: 'st2' } }, { loadStoredMedia }))).toMatchObject({ code: 'media_too_large', outcome: 'final' });
  });

  it('an upload error is mapped by its code and nothing is sent', async () => {
    nock(BASE).post(UPLOADS).reply(400, { error: { message: '(#100) Upload attachment failure.', type: 'OAuthException', code: 100, error_subcode: 2018047 } });
    const loadStoredMedia = async () => ({ data: Buffer.from('x'), mimeType: 'image/png' });
    expect(await refusal(send({ type: 'image', media: { storedId: 'st3' } }, { loadStoredMedia }))).toMatchObject({
      code: '100/2018047',
      outcome: 'final',
      title: '(#100) Upload attachment failure.',
    });
  });

  it('an upload answered without an id can be retried: nothing was sent', async () => {
    nock(BASE).post(UPLOADS).reply(200, {});
    const loadStoredMedia = async () => ({ data: Buffer.from('x'), mimeType: 'image/png' });
    expect(await refusal(send({ type: 'image', media: { storedId: 'st6' } }, { loadStoredMedia }))).toMatchObject({ code: 'invalid_response', outcome: 'retry' });
  });

  it("the store's own refusal passes through unchanged", async () => {
    const gone = new ProviderSendError('media_not_found', 'Stored media st4 is gone', 'final');
    expect(await refusal(send({ type: 'image', media: { storedId: 'st4' } }, { loadStoredMedia: () => Promise.reject(gone) }))).toBe(gone);
  });
});

describe('content refused before calling Meta', () => {
  const buttons = (n: number, title = 'B') => Array.from({ length: n }, (_, i) => ({ id: `b${i}`, title }));
  it.each<[string, MessageContent, string]>([
    ['text over 2000 characters', { type: 'text', text: 'x'.repeat(2001) }, 'content_too_long'],
    ['empty text', { type: 'text', text: '  ' }, 'content_invalid'],
    ['a caption on an attachment', { type: 'image', media: { url: 'https://cdn.example.test/p.jpg' }, caption: 'Look' }, 'content_invalid'],
    ['media without a source', { type: 'image', media: {} }, 'media_missing'],
    ['four buttons', { type: 'interactive', interactive: { kind: 'buttons', body: 'b', buttons: buttons(4) } }, 'content_invalid'],
    ['no buttons', { type: 'interactive', interactive: { kind: 'buttons', body: 'b', buttons: [] } }, 'content_invalid'],
    ['a button title over 20 characters', { type: 'interactive', interactive: { kind: 'buttons', body: 'b', buttons: buttons(1, 'x'.repeat(21)) } }, 'content_invalid'],
    ['button text over 640 characters', { type: 'interactive', interactive: { kind: 'buttons', body: 'b'.repeat(641), buttons: buttons(1) } }, 'content_too_long'],
    ['a payload over 1000 characters', { type: 'interactive', interactive: { kind: 'buttons', body: 'b', buttons: [{ id: 'p'.repeat(1001), title: 'B' }] } }, 'content_invalid'],
    [
      'fourteen list rows',
      {
        type: 'interactive',
        interactive: { kind: 'list', body: 'b', buttonText: 'Pick', sections: [{ rows: buttons(7) }, { rows: buttons(7) }] },
      },
      'content_invalid',
    ],
    ['a list without rows', { type: 'interactive', interactive: { kind: 'list', body: 'b', buttonText: 'Pick', sections: [] } }, 'content_invalid'],
    ['a sticker', { type: 'sticker', media: { url: 'https://cdn.example.test/s.webp' } }, 'unsupported_content'],
    ['a location', { type: 'location', latitude: 1, longitude: 2 }, 'unsupported_content'],
    ['a template', { type: 'template', template: { name: 'hello', language: 'en', components: [] } }, 'unsupported_content'],
  ])('%s', async (_name, content, code) => {
    expect(await refusal(send(content))).toMatchObject({ code, outcome: 'final' });
  });

  it('HUMAN_AGENT on a channel not approved for it', async () => {
    expect(await refusal(send({ type: 'text', text: 'hi' }, { tag: 'HUMAN_AGENT' }))).toMatchObject({ code: 'tag_not_allowed', outcome: 'final' });
  });

  it('2000 characters exactly, counted as characters (an emoji is one), are sent', async () => {
    const text = '👍'.repeat(2000);
    expectSend({ messaging_type: 'RESPONSE', message: { text } });
    await send({ type: 'text', text });
  });
});

describe('provider errors mapped to outcomes', () => {
  const text: MessageContent = { type: 'text', text: 'hello' };
  const textBody = { messaging_type: 'RESPONSE', message: { text: 'hello' } };
  const graphError = (code: number, subcode?: number) => ({
    error: { message: 'the message is not used to decide', type: 'OAuthException', code, ...(subcode && { error_subcode: subcode }), fbtrace_id: 'A1' },
  });

  it.each([
    [400, 10, 2018278, '10/2018278', 'window_closed'],
    [400, 10, 2018065, '10/2018065', 'final'],
    [400, 613, undefined, '613', 'retry'],
    [400, 4, undefined, '4', 'retry'],
    [400, 32, undefined, '32', 'retry'],
    [500, 1200, undefined, '1200', 'retry'],
    [400, 551, 1545041, '551/1545041', 'final'],
    [400, 100, 2018001, '100/2018001', 'final'],
    [401, 190, undefined, '190', 'final'],
    [403, 200, 2018028, '200/2018028', 'final'],
  ])('HTTP %i code %i subcode %s → %s %s', async (status, code, subcode, name, outcome) => {
    expectSend(textBody, { status, body: graphError(code, subcode) });
    expect(await refusal(send(text))).toMatchObject({ code: name, outcome });
  });

  it('HTTP 503 without a Graph body → retry', async () => {
    expectSend(textBody, { status: 503, body: 'upstream unavailable' });
    expect(await refusal(send(text))).toMatchObject({ code: 'http_503', outcome: 'retry' });
  });

  it('no answer (connection reset) → retry', async () => {
    nock(BASE).post(MESSAGES).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    expect(await refusal(send(text))).toMatchObject({ code: 'network_error', outcome: 'retry' });
  });

  it('a success without a message id is final (a retry could send twice)', async () => {
    expectSend(textBody, { status: 200, body: { recipient_id: PSID } });
    expect(await refusal(send(text))).toMatchObject({ code: 'invalid_response', outcome: 'final' });
  });
});
