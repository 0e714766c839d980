import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../contract.js';
import type { InboundEvent } from '../../src/domain/inbound-event.js';
import { parseWebhook } from './parse.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url));
const parse = (name: string) => parseWebhook({ rawBody: fixture(name) });

const PNID = '106540352242922';
const WABA = '102290129340398';
const USER = '16505551234';
const SENT_AT = new Date('2025-06-08T20:59:43.000Z');
const wamid = (n: string) => `wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUFERjg0NDEzNDdFODU3MUMx${n}AA=`;
const kerry = { externalId: USER, phone: USER, displayName: 'Kerry Fisher' };
const JOSE_BSUID = 'US.13491208655302741918';

/** The one message event of a single-message fixture. */
function onlyMessage(name: string): Extract<InboundEvent, { kind: 'message' }> {
  const events = parse(name);
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event?.kind !== 'message') throw new Error(`expected a message event, got ${event?.kind}`);
  return event;
}

describe('inbound messages', () => {
  it('text: routed by phone_number_id, sender from contacts, provider time from unix seconds', () => {
    expect(parse('text')).toEqual([
      {
        kind: 'message',
        accountId: PNID,
        providerMessageId: wamid('01'),
        from: kerry,
        timestamp: SENT_AT,
        content: { type: 'text', text: 'Hi, is my order on its way?' },
      },
    ]);
  });

  it('a reply carries the quoted message id', () => {
    expect(onlyMessage('text-reply').replyToProviderMessageId).toBe(wamid('99'));
  });

  it('decodes escaped non-ASCII text and names', () => {
    const event = onlyMessage('text-non-ascii');
    expect(fixture('text-non-ascii').toString('utf8')).toContain('caf\\u00e9');
    expect(event.content).toEqual({ type: 'text', text: 'Olá, café às 10h? ✓ 👍' });
    expect(event.from.displayName).toBe('José Núñez');
  });

  it('keeps a click-to-WhatsApp referral as sent', () => {
    const event = onlyMessage('referral');
    expect(event.referral).toMatchObject({ source_type: 'ad', source_id: '120226305854810726', ctwa_clid: expect.stringMatching(/^ARAk/) });
    expect(event.referral?.welcome_message).toEqual({ text: 'Hi there! Let us know how we can help.' });
  });

  it.each([
    ['image', { type: 'image', caption: 'The damaged box', media: { providerMediaId: '1003383421387256', mimeType: 'image/jpeg', sha256: 'HgQmRJg+5V4L/1Q1bCw/Jv6Ex7nkDWsM0qiU8hd6n1E=', state: 'pending' } }],
    ['video', { type: 'video', caption: 'Unboxing', media: { providerMediaId: '1021004566419217', mimeType: 'video/mp4', sha256: '7Tn5oWGfaAX9hAvU1DtVHY0l4nQXTPmR3DOxMhBwEq4=', state: 'pending' } }],
    ['audio', { type: 'audio', voice: true, media: { providerMediaId: '1164218121856312', mimeType: 'audio/ogg; codecs=opus', sha256: '2S7gE1t8dSV9ymT3XwR5pqHg6iYQCYaHq4Ia1Dj1j1s=', state: 'pending' } }],
    [
      'document',
      {
        type: 'document',
        caption: 'Invoice for May',
        filename: 'invoice-2025-05.pdf',
        media: { providerMediaId: '1376223850470167', mimeType: 'application/pdf', sha256: 'Jy0jwO3cBeCnKaZGsnMqh9yXTqyQxDkVUr/vq1X5Lyc=', state: 'pending' },
      },
    ],
    ['sticker', { type: 'sticker', media: { providerMediaId: '2093958207735219', mimeType: 'image/webp', sha256: 'S4pvNuJL1lqmUFb8DlEk0q9fcGfUkpfFCZ0mdgaLBqM=', state: 'pending' } }],
  ])('%s: media left pending for fetching, with caption and filename', (name, content) => {
    const event = onlyMessage(name);
    // toStrictEqual: no key may be present-and-undefined.
    expect(event.content).toStrictEqual(content);
  });

  it('audio: a recorded voice note says so, an audio file does not', () => {
    const voice = onlyMessage('audio-voice');
    expect(fixture('audio-voice').toString('utf8')).toContain('"mime_type":"audio\\/ogg; codecs=opus"');
    expect(voice.content).toStrictEqual({
      type: 'audio',
      voice: true,
      media: { providerMediaId: '1164218121856399', mimeType: 'audio/ogg; codecs=opus', sha256: 'kX9sT1Qe/3bH0vX7m2yQp8fJr4L6nWc5aUoZiEdGhB0=', state: 'pending' },
    });
    expect(onlyMessage('audio-file').content).toStrictEqual({
      type: 'audio',
      media: { providerMediaId: '1164218121856400', mimeType: 'audio/mpeg', sha256: 'P2mZc8Lr5Tq+Yw1Nf0bV7xKs3dHj6GaEoUiR4lWnC9A=', state: 'pending' },
    });
  });

  it('location', () => {
    expect(onlyMessage('location').content).toEqual({
      type: 'location',
      latitude: 37.483307,
      longitude: -122.148981,
      name: 'Meta Headquarters',
      address: '1 Hacker Way, Menlo Park, CA 94025',
      url: 'https://www.facebook.com',
    });
  });

  it('contacts: cards kept as given', () => {
    const content = onlyMessage('contacts').content;
    if (content.type !== 'contacts') throw new Error(content.type);
    expect(content.contacts).toHaveLength(1);
    expect(content.contacts[0]).toMatchObject({
      name: { formatted_name: 'Barbara J. Johnson', first_name: 'Barbara' },
      phones: [{ phone: '+16505559999', type: 'HOME' }, { phone: '+19195551234', wa_id: '19195551234', type: 'WORK' }],
      org: { company: 'Lucky Shrub' },
      birthday: '1999-01-23',
    });
  });

  it('interactive button and list replies', () => {
    const button = onlyMessage('interactive-button-reply');
    expect(button.content).toEqual({ type: 'interactive_reply', reply: { kind: 'button', id: 'confirm-yes', title: 'Yes, confirm' } });
    expect(button.replyToProviderMessageId).toBe(wamid('98'));
    expect(onlyMessage('interactive-list-reply').content).toEqual({
      type: 'interactive_reply',
      reply: { kind: 'list', id: 'slot-2', title: 'Tuesday 10:00', description: 'Main store' },
    });
  });

  it('an interactive reply we have no model for is kept as unsupported, not dropped', () => {
    expect(onlyMessage('interactive-nfm-reply').content).toEqual({ type: 'unsupported', reason: 'interactive nfm_reply is not supported' });
  });

  it('template quick-reply button', () => {
    const event = onlyMessage('button');
    expect(event.content).toEqual({ type: 'button_reply', payload: 'STOP_PROMOS', text: 'Stop promotions' });
    expect(event.replyToProviderMessageId).toBe(wamid('96'));
  });

  it('reaction, and a removed reaction without emoji', () => {
    expect(onlyMessage('reaction').content).toEqual({ type: 'reaction', targetProviderMessageId: wamid('95'), emoji: '👍' });
    expect(onlyMessage('reaction-removed').content).toStrictEqual({ type: 'reaction', targetProviderMessageId: wamid('95') });
  });

  it('system: number change with the new id (older payloads name it new_wa_id); no contacts in the payload', () => {
    const event = onlyMessage('system');
    expect(event.content).toEqual({
      type: 'system',
      systemType: 'user_changed_number',
      body: 'Kerry Fisher changed their phone number to a new number',
      newExternalId: '16505550000',
    });
    expect(event.from).toStrictEqual({ externalId: USER, phone: USER });
    expect(event.newIdentity).toStrictEqual({ externalId: '16505550000', phone: '16505550000' });
  });

  it('user_changed_number: the sender as they were (old number, previous BSUID) and their identity from now on', () => {
    const event = onlyMessage('system-user-changed-number');
    expect(event.content).toEqual({
      type: 'system',
      systemType: 'user_changed_number',
      body: 'User José Núñez changed from 16505551234 to 16505550000',
      newExternalId: '16505550000',
    });
    expect(event.from).toStrictEqual({ externalId: USER, phone: USER, userId: JOSE_BSUID });
    expect(event.newIdentity).toStrictEqual({ externalId: '16505550000', phone: '16505550000', userId: 'US.13491208655302742020' });
  });

  it('only a number change carries a new identity', () => {
    expect(onlyMessage('text-bsuid').newIdentity).toBeUndefined();
  });

  it('unsupported: reason from the error code', () => {
    expect(onlyMessage('unsupported').content).toEqual({ type: 'unsupported', reason: '131051: Message type unknown (poll_creation)' });
  });

  it('a type we do not know becomes unsupported instead of failing the delivery', () => {
    expect(onlyMessage('unknown-type').content).toEqual({ type: 'unsupported', reason: 'message type order is not supported' });
  });

  it('business-scoped ids: a username user keyed by user id, with username; phone only when known; the user id kept', () => {
    const events = parse('bsuid');
    expect(events.map((e) => (e.kind === 'message' ? e.from : null))).toEqual([
      { externalId: 'US.13491208655302741918', displayName: 'Sheena', username: '@sheena', userId: 'US.13491208655302741918' },
      { externalId: USER, phone: USER, displayName: 'Kerry Fisher', userId: 'US.13491208655302741999' },
    ]);
  });

  it('a sender with both: keyed by wa_id, the business-scoped id beside it', () => {
    expect(onlyMessage('text-bsuid').from).toStrictEqual({ externalId: USER, phone: USER, displayName: 'José Núñez', userId: JOSE_BSUID });
  });

  it('a username user without wa_id: the business-scoped id is the key and the user id', () => {
    const event = onlyMessage('text-username-only');
    expect(event.from).toStrictEqual({ externalId: JOSE_BSUID, displayName: 'José Núñez', username: '@jose.nunez', userId: JOSE_BSUID });
    expect(event.content).toEqual({ type: 'text', text: 'Still waiting – any news?' });
  });
});

describe('statuses', () => {
  it('sent, delivered and read with recipient and pricing; other values ignored', () => {
    const pricing = { billable: true, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' };
    expect(parse('statuses')).toEqual([
      { kind: 'status', accountId: PNID, providerMessageId: wamid('21'), status: 'sent', timestamp: new Date(1749416400_000), recipientId: USER, pricing },
      { kind: 'status', accountId: PNID, providerMessageId: wamid('21'), status: 'delivered', timestamp: new Date(1749416401_000), recipientId: USER, pricing },
      { kind: 'status', accountId: PNID, providerMessageId: wamid('21'), status: 'read', timestamp: new Date(1749416460_000), recipientId: USER },
    ]);
  });

  it('failed carries the first error with the code as a string', () => {
    expect(parse('status-failed')).toEqual([
      {
        kind: 'status',
        accountId: PNID,
        providerMessageId: wamid('23'),
        status: 'failed',
        timestamp: new Date(1749416500_000),
        recipientId: USER,
        error: {
          code: '131047',
          title: 'Re-engagement message',
          detail: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
          outcome: 'window_closed',
        },
      },
    ]);
  });

  it('value-level errors become one provider_error event', () => {
    expect(parse('value-errors')).toEqual([
      {
        kind: 'provider_error',
        accountId: PNID,
        errors: [
          { code: '131000', title: 'Something went wrong', detail: 'Unknown error. Please try again later.', outcome: 'retry' },
          { code: '131026', title: 'Message undeliverable', outcome: 'final' },
        ],
      },
    ]);
  });
});

describe('template status updates', () => {
  it('approved: routed by the WABA id, NONE is no reason', () => {
    expect(parse('template-status-approved')).toStrictEqual([
      { kind: 'template_status', accountId: WABA, name: 'order_confirmation', language: 'en_US', status: 'APPROVED', providerTemplateId: '1689556908129832' },
    ]);
  });

  it('rejected with a reason; a template id past 2^53 keeps every digit', () => {
    expect(parse('template-status-rejected')).toEqual([
      { kind: 'template_status', accountId: WABA, name: 'abandoned_cart', language: 'en', status: 'REJECTED', providerTemplateId: '9007199254740993', reason: 'INVALID_FORMAT' },
    ]);
  });

  it('events that do not change sendability, and quality updates under this field, yield nothing', () => {
    expect(parse('template-status-flagged')).toEqual([]);
    expect(parse('template-quality-update')).toEqual([]);
  });
});

describe('bodies with many events', () => {
  it('returns every message, status and template change of every entry, in order', () => {
    const events = parse('multi');
    expect(events.map((e) => [e.kind, e.accountId, e.kind === 'message' || e.kind === 'status' ? e.providerMessageId : e.kind === 'template_status' ? e.status : ''])).toEqual([
      ['message', PNID, wamid('31')],
      ['message', PNID, wamid('32')],
      ['status', PNID, wamid('33')],
      ['message', '200000000000002', wamid('34')],
      ['template_status', 'WABA_2', 'PAUSED'],
    ]);
    const second = events[1];
    expect(second?.kind === 'message' && second.from).toEqual({ externalId: '5511987654321', phone: '5511987654321', displayName: 'Ana' });
    const template = events[4];
    expect(template?.kind === 'template_status' && template.reason).toBe('Low quality');
  });

  it('fields we do not act on yield no events', () => {
    expect(parse('other-field')).toEqual([]);
  });

  it('a body with no entries is valid and empty', () => {
    expect(parseWebhook({ rawBody: Buffer.from('{"object":"whatsapp_business_account","entry":[]}') })).toEqual([]);
  });
});

describe('unreadable bodies', () => {
  const rejects = (raw: Buffer) => {
    try {
      parseWebhook({ rawBody: raw });
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidPayloadError);
      return err as InvalidPayloadError;
    }
    throw new Error('parseWebhook accepted the body');
  };

  it('malformed JSON', () => {
    expect(rejects(Buffer.from('{"object": "whatsapp_business_account", "entry": [')).message).toMatch(/not valid JSON/);
    rejects(Buffer.alloc(0));
  });

  it('not a WhatsApp business account webhook', () => {
    rejects(Buffer.from('{"hello":"world"}'));
    rejects(Buffer.from('[]'));
    expect(rejects(fixture('invalid-object')).message).toMatch(/object/);
  });

  it('a messages change without metadata: the path of the problem is reported', () => {
    const err = rejects(fixture('invalid-missing-metadata'));
    expect(err.details).toMatchObject({ issues: [{ path: 'entry.0.changes.0.value.metadata' }] });
  });

  it('a message without the object its type names, or with a field of the wrong shape', () => {
    expect(rejects(fixture('invalid-text-without-body')).message).toMatch(/lacks its content/);
    rejects(fixture('invalid-timestamp'));
    rejects(fixture('invalid-image-without-id'));
  });
});
