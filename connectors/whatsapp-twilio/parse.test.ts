import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../contract.js';
import { statusesBelow } from '../../src/domain/delivery-status.js';
import type { InboundEvent } from '../../src/domain/inbound-event.js';
import { parseWebhook } from './parse.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const NOW = new Date('2025-06-08T20:59:43.000Z');
const ACCOUNT = '+14155238886';
const KERRY = { externalId: '+16505551234', phone: '+16505551234', displayName: 'Kerry Fisher' };
const ACC = 'AC5ef8732a3c49700934481addd5ce1659';
const sid = (prefix: string, n: string) => `${prefix}3f2a9c1e8b7d4605a1c2e3f4b5a6${n}`;
const mediaUrl = (msg: string, me: string) => `https://api.twilio.com/2010-04-01/Accounts/${ACC}/Messages/${msg}/Media/ME8c1d2e3f4a5b6c7d8e9f0a1b2c3d${me}`;

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.txt`, import.meta.url));
const parseBody = (rawBody: Buffer | string, headers: Record<string, string> = FORM) =>
  parseWebhook({ rawBody: Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody), headers, receivedAt: NOW });
const parse = (name: string) => parseBody(fixture(name));

/** A fixture's fields with some changed (undefined: removed), re-encoded. */
function edited(name: string, changes: Record<string, string | undefined>): string {
  const form = new URLSearchParams(fixture(name).toString('utf8'));
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) form.delete(key);
    else form.set(key, value);
  }
  return form.toString();
}

function onlyMessage(events: InboundEvent[]): Extract<InboundEvent, { kind: 'message' }> {
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event?.kind !== 'message') throw new Error(`expected a message event, got ${event?.kind}`);
  return event;
}

describe('inbound messages', () => {
  it('text: routed by To, sender from From with profile name, stamped with the time of parsing', () => {
    // toStrictEqual: no key may be present-and-undefined.
    expect(parse('text')).toStrictEqual([
      {
        kind: 'message',
        accountId: ACCOUNT,
        providerMessageId: sid('SM', '0001'),
        from: KERRY,
        timestamp: NOW,
        content: { type: 'text', text: 'Hi, is my order on its way?' },
      },
    ]);
  });

  it('decodes UTF-8 text and names (`+` is a space)', () => {
    const event = onlyMessage(parse('text-non-ascii'));
    expect(fixture('text-non-ascii').toString('utf8')).toContain('caf%C3%A9');
    expect(event.content).toEqual({ type: 'text', text: 'Olá, café às 10h? ✓ 👍' });
    expect(event.from.displayName).toBe('José Núñez');
  });

  it('a reply carries the quoted message sid', () => {
    expect(onlyMessage(parse('text-reply')).replyToProviderMessageId).toBe(sid('SM', '0900'));
  });

  it.each([
    ['image', { type: 'image', caption: 'The damaged box', media: { url: mediaUrl(sid('MM', '0004'), '0004'), mimeType: 'image/jpeg', state: 'pending' } }],
    ['video', { type: 'video', caption: 'Unboxing', media: { url: mediaUrl(sid('MM', '0005'), '0005'), mimeType: 'video/mp4', state: 'pending' } }],
    ['audio', { type: 'audio', media: { url: mediaUrl(sid('MM', '0006'), '0006'), mimeType: 'audio/ogg', state: 'pending' } }],
    ['document', { type: 'document', media: { url: mediaUrl(sid('MM', '0007'), '0007'), mimeType: 'application/pdf', state: 'pending' } }],
    ['sticker', { type: 'sticker', media: { url: mediaUrl(sid('MM', '0008'), '0008'), mimeType: 'image/webp', state: 'pending' } }],
    // A shared contact comes as a vCard file: kept as a document, not parsed.
    ['contacts', { type: 'document', media: { url: mediaUrl(sid('MM', '0010'), '0010'), mimeType: 'text/vcard', state: 'pending' } }],
  ])('%s: the MediaUrl left pending for fetching, Body as caption', (name, content) => {
    const event = onlyMessage(parse(name));
    expect(event.providerMessageId).toMatch(/^MM/);
    expect(event.content).toStrictEqual(content);
  });

  it('without MessageType, the kind comes from the MIME type', () => {
    const event = onlyMessage(parseBody(edited('video', { MessageType: undefined })));
    expect(event.content.type).toBe('video');
    expect(onlyMessage(parseBody(edited('image', { MessageType: undefined, MediaContentType0: 'application/zip' }))).content.type).toBe('document');
  });

  it('several media (NumMedia 3): one message under its MessageSid, every item in MediaUrl{N} order, Body as caption', () => {
    const msg = sid('MM', '0009');
    // The form lists MediaUrl2 first: the order is the index's, not the fields'.
    const form = fixture('media-multiple').toString('utf8');
    expect(form.indexOf('MediaUrl2')).toBeLessThan(form.indexOf('MediaUrl0'));
    expect(parse('media-multiple')).toStrictEqual([
      {
        kind: 'message',
        accountId: ACCOUNT,
        providerMessageId: msg,
        from: KERRY,
        timestamp: NOW,
        content: {
          type: 'attachments',
          caption: 'Both sides of the receipt',
          attachments: [
            { kind: 'image', url: mediaUrl(msg, '0091'), mimeType: 'image/jpeg', state: 'pending' },
            { kind: 'image', url: mediaUrl(msg, '0092'), mimeType: 'image/jpeg', state: 'pending' },
            { kind: 'document', url: mediaUrl(msg, '0093'), mimeType: 'application/pdf', state: 'pending' },
          ],
        },
      },
    ]);
  });

  it('several media without Body have no caption', () => {
    const event = onlyMessage(parseBody(edited('media-multiple', { Body: '' })));
    expect(event.content).not.toHaveProperty('caption');
    expect(event.content.type === 'attachments' && event.content.attachments).toHaveLength(3);
  });

  it('location, with label and address', () => {
    expect(onlyMessage(parse('location')).content).toStrictEqual({
      type: 'location',
      latitude: 37.483307,
      longitude: -122.148981,
      name: 'Main store',
      address: '1 Hacker Way, Menlo Park, CA 94025',
    });
  });

  it('location by coordinates alone, without MessageType or label', () => {
    const body = edited('location', { MessageType: undefined, Label: undefined, Address: undefined });
    expect(onlyMessage(parseBody(body)).content).toStrictEqual({ type: 'location', latitude: 37.483307, longitude: -122.148981 });
  });

  it('a template quick-reply tap: payload and text, replying to our template', () => {
    const event = onlyMessage(parse('button'));
    expect(event.content).toEqual({ type: 'button_reply', payload: 'TRACK_1234', text: 'Track my order' });
    expect(event.replyToProviderMessageId).toBe(sid('SM', '0901'));
  });

  it('a button tap without payload falls back to its text', () => {
    const event = onlyMessage(parseBody(edited('button', { ButtonPayload: undefined })));
    expect(event.content).toEqual({ type: 'button_reply', payload: 'Track my order', text: 'Track my order' });
  });

  it('a business-scoped sender id is the key; the phone comes from WaId', () => {
    expect(onlyMessage(parse('bsuid')).from).toStrictEqual({ externalId: 'US.13491208655302741918', phone: '+16505551234', displayName: 'kerry' });
  });

  it('a business-scoped sender without WaId has no phone', () => {
    expect(onlyMessage(parseBody(edited('bsuid', { WaId: undefined }))).from).toStrictEqual({ externalId: 'US.13491208655302741918', displayName: 'kerry' });
  });

  it('an empty ProfileName is no name', () => {
    expect(onlyMessage(parseBody(edited('text', { ProfileName: '' }))).from).toStrictEqual({ externalId: '+16505551234', phone: '+16505551234' });
  });

  it('keeps a click-to-WhatsApp referral under Meta’s field names', () => {
    expect(onlyMessage(parse('referral')).referral).toEqual({
      source_id: '120226305854810726',
      source_type: 'ad',
      source_url: 'https://fb.me/3cr4Wqqkk',
      headline: 'Spring sale',
      body: 'Spring sale: 20% off',
      ctwa_clid: expect.stringMatching(/^ARAk/),
    });
    expect(onlyMessage(parse('text')).referral).toBeUndefined();
  });

  it('a message with neither text nor media is kept as unsupported', () => {
    expect(onlyMessage(parse('unsupported')).content).toEqual({ type: 'unsupported', reason: 'message type unsupported carries no text or media' });
  });

  it('accepts fields Twilio adds without notice', () => {
    const body = edited('text', { ChannelMetadata: '{"type":"whatsapp","data":{}}', SomethingNew: 'x' });
    expect(onlyMessage(parseBody(body)).content).toEqual({ type: 'text', text: 'Hi, is my order on its way?' });
  });

  it('reads a body whose stored copy lost its content type', () => {
    expect(parseBody(fixture('text'), {})).toHaveLength(1);
  });
});

describe('status callbacks', () => {
  const status = (status: string, n = '0100') => ({
    kind: 'status',
    accountId: ACCOUNT,
    providerMessageId: sid('SM', n),
    status,
    timestamp: NOW,
    recipientId: '+16505551234',
  });

  it.each([
    ['status-sent', 'sent'],
    ['status-delivered', 'delivered'],
    ['status-read', 'read'],
  ])('%s → %s, routed by From (our sender)', (name, expected) => {
    expect(parse(name)).toStrictEqual([status(expected)]);
  });

  it('undelivered is failed, with Twilio’s ErrorCode and ErrorMessage', () => {
    expect(parse('status-undelivered')).toStrictEqual([
      {
        ...status('failed', '0101'),
        error: {
          code: '63016',
          title: 'Twilio Error: Failed to send freeform message because you are outside the allowed window. If you are using WhatsApp, please use a Message Template.',
          outcome: 'window_closed',
        },
      },
    ]);
  });

  it('failed with an empty ErrorMessage gets a generic title; without ErrorCode the status names it', () => {
    expect(parse('status-failed')).toStrictEqual([{ ...status('failed', '0102'), error: { code: '63024', title: 'Twilio reported the message failed', outcome: 'final' } }]);
    expect(parseBody(edited('status-failed', { ErrorCode: undefined }))).toMatchObject([{ error: { code: 'failed' } }]);
  });

  it('canceled is failed with code canceled', () => {
    const body = edited('status-sent', { MessageStatus: 'canceled', SmsStatus: 'canceled' });
    expect(parseBody(body)).toStrictEqual([{ ...status('failed'), error: { code: 'canceled', title: 'The message was canceled before it was sent', outcome: 'final' } }]);
  });

  it.each(['queued', 'accepted', 'scheduled', 'sending', 'something_new'])('%s says nothing about delivery: no event', (value) => {
    expect(parseBody(edited('status-queued', { MessageStatus: value, SmsStatus: value }))).toEqual([]);
  });

  it('out of order: each report maps on its own, to statuses whose rank keeps a late one from going back', () => {
    const [read] = parse('status-read');
    const [delivered] = parse('status-delivered');
    if (read?.kind !== 'status' || delivered?.kind !== 'status') throw new Error('expected status events');
    expect([read.status, delivered.status]).toEqual(['read', 'delivered']);
    expect(statusesBelow(read.status)).toContain(delivered.status);
  });
});

describe('unreadable bodies', () => {
  it.each([
    ['missing MessageSid', () => parse('invalid-missing-sid'), /MessageSid/],
    ['missing AccountSid', () => parseBody(edited('text', { AccountSid: undefined })), /AccountSid/],
    ['missing AccountSid on a status callback', () => parseBody(edited('status-sent', { AccountSid: undefined })), /AccountSid/],
    ['NumMedia without its MediaUrl', () => parse('invalid-media'), /MediaUrl0/],
    ['a From that is not a WhatsApp address (SMS)', () => parseBody(edited('text', { From: '+16505551234' })), /From/],
    ['a location without Longitude', () => parseBody(edited('location', { Longitude: undefined })), /Longitude/],
    ['a Latitude that is not a number', () => parseBody(edited('location', { Latitude: 'north' })), /Latitude/],
    ['a NumMedia that is not a count', () => parseBody(edited('text', { NumMedia: 'two' })), /NumMedia/],
  ])('%s', (_name, run, message) => {
    expect(run).toThrow(InvalidPayloadError);
    expect(run).toThrow(message);
  });

  it('a body that is not form-encoded', () => {
    const json = JSON.stringify({ MessageSid: sid('SM', '0001') });
    expect(() => parseBody(json, { 'content-type': 'application/json' })).toThrow(InvalidPayloadError);
    expect(() => parseBody(json, { 'Content-Type': 'application/json; charset=utf-8' })).toThrow(/form-urlencoded/);
  });

  it('a form with a charset parameter is still form-encoded', () => {
    expect(parseBody(fixture('text'), { 'content-type': 'application/x-www-form-urlencoded; charset=UTF-8' })).toHaveLength(1);
  });
});
