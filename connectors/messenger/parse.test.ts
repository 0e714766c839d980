import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../contract.js';
import type { InboundEvent } from '../../src/domain/inbound-event.js';
import { parseWebhook } from './parse.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url));
const parse = (name: string) => parseWebhook({ rawBody: fixture(name) });

const PAGE = '106385752155120';
const PSID = '6934512283318745';
const OTHER_PSID = '7120853364027519';
const FIRST_MID = 'm_3vsY8GqCZ5qfMYkVb0bK2Ia5mLXpL3xQ9f1b7dWc5JrE0vR4nYpZt7Ql1sTgF2hNc8uYkW6oPzA9bD3eG5fH7A';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;

function messages(name: string): MessageEvent[] {
  return parse(name).map((event) => {
    if (event.kind !== 'message') throw new Error(`expected message events, got ${event.kind}`);
    return event;
  });
}

function onlyMessage(name: string): MessageEvent {
  const events = messages(name);
  expect(events).toHaveLength(1);
  return events[0]!;
}

describe('messages', () => {
  it('text: routed by the Page id, sender by PSID, provider time from epoch milliseconds', () => {
    expect(parse('text')).toStrictEqual([
      {
        kind: 'message',
        accountId: PAGE,
        providerMessageId: FIRST_MID,
        from: { externalId: PSID },
        timestamp: new Date(1749416383512),
        content: { type: 'text', text: 'Hi, is my order on its way?' },
      },
    ]);
  });

  it('decodes escaped non-ASCII text', () => {
    expect(fixture('text-non-ascii').toString('utf8')).toContain('caf\\u00e9');
    expect(onlyMessage('text-non-ascii').content).toEqual({ type: 'text', text: 'Olá, café às 10h? ✓ 👍' });
  });

  it('a reply carries the quoted mid', () => {
    const event = onlyMessage('text-reply');
    expect(event.replyToProviderMessageId).toBe('m_page_out_01');
    expect(event.content).toEqual({ type: 'text', text: 'Yes, that one' });
  });

  it('a quick-reply tap is a button reply: payload and the title posted as text', () => {
    expect(onlyMessage('quick-reply').content).toEqual({ type: 'button_reply', payload: 'slot-tue-10', text: 'Tuesday 10:00' });
  });

  it('several attachments: one event each, the first keeps the mid and takes the text as caption', () => {
    const events = messages('attachments');
    expect(events.map((e) => e.providerMessageId)).toEqual(['m_multi01', 'm_multi01-1', 'm_multi01-2']);
    expect(events.every((e) => e.from.externalId === PSID && e.timestamp.getTime() === 1749416449876)).toBe(true);
    expect(events.map((e) => e.content)).toStrictEqual([
      {
        type: 'image',
        caption: 'The box arrived like this',
        media: {
          url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/449573543_1019386_n.jpg?_nc_cat=111&ccb=1-7&_nc_sid=fc17b8&_nc_ohc=Qk3&_nc_ad=z-m&_nc_cid=0&_nc_ht=scontent.xx&oh=03_Q7cD1QE&oe=66A8E0C1',
          state: 'pending',
        },
      },
      {
        type: 'video',
        media: {
          url: 'https://video.xx.fbcdn.net/v/t42.3356-2/449550231_n.mp4?_nc_cat=103&ccb=1-7&_nc_sid=4f86bc&efg=eyJ2ZW5jb2RlX3RhZyI6InN2ZV9zZCJ9&_nc_ht=video.xx&oh=03_Q7cD1QE&oe=66A8F0A2',
          state: 'pending',
        },
      },
      {
        type: 'document',
        // The file keeps the name it was sent under, from the last segment of its URL.
        filename: 'Invoice May 2025.pdf',
        media: {
          url: 'https://cdn.fbsbx.com/v/t59.2708-21/449386384_1019386_n.pdf/Invoice%20May%202025.pdf?_nc_cat=109&ccb=1-7&_nc_sid=2b0e22&_nc_ohc=xYz&_nc_ht=cdn.fbsbx.com&oh=03_Q7cD1QE&oe=66A8F2B4',
          state: 'pending',
        },
      },
    ]);
  });

  it('audio alone: no caption, no filename', () => {
    expect(onlyMessage('audio').content).toStrictEqual({
      type: 'audio',
      media: {
        url: 'https://cdn.fbsbx.com/v/t59.3654-21/449601442_n.mp4/audioclip-1749416459000-4312.mp4?_nc_cat=107&ccb=1-7&_nc_sid=d61c36&_nc_ht=cdn.fbsbx.com&oh=03_Q7cD1QE&oe=66A8F3C5',
        state: 'pending',
      },
    });
  });

  it('a sticker sent twice during Meta’s transition (image and sticker) is one sticker', () => {
    const event = onlyMessage('sticker');
    expect(event.providerMessageId).toBe('m_sticker01');
    expect(event.content).toMatchObject({ type: 'sticker', media: { state: 'pending', url: expect.stringContaining('39178562_') } });
  });

  it('an image with a sticker_id alone (the Like thumb) is a sticker too', () => {
    expect(onlyMessage('sticker-legacy').content).toMatchObject({ type: 'sticker', media: { url: expect.stringContaining('851557_') } });
  });

  it('location: coordinates, with the title as name and the map link as url', () => {
    expect(onlyMessage('location').content).toStrictEqual({
      type: 'location',
      latitude: 38.7223,
      longitude: -9.1393,
      name: "Ana's Location",
      url: 'https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.bing.com%2Fmaps%2Fdefault.aspx%3Fv%3D2%26pc%3DFACEBK%26mid%3D8100%26where1%3D38.7223%252C%2B-9.1393&h=AT1',
    });
  });

  it('a link preview (fallback) beside text adds nothing; a fallback alone is unsupported', () => {
    const [shared, bare, ...rest] = messages('fallback');
    expect(rest).toEqual([]);
    expect(shared).toMatchObject({ providerMessageId: 'm_fallback01', content: { type: 'text', text: 'This is where I want to go: https://youtu.be/bbo_fZAjIhg' } });
    expect(bare).toMatchObject({ providerMessageId: 'm_fallback02', content: { type: 'unsupported', reason: 'fallback attachment is not supported' } });
  });

  it('text before a first attachment that is not media is its own part; unknown types are unsupported, not dropped', () => {
    const events = messages('unsupported');
    expect(events.map((e) => [e.providerMessageId, e.content])).toEqual([
      ['m_reel01', { type: 'text', text: 'Saw this, do you have it in blue?' }],
      ['m_reel01-1', { type: 'unsupported', reason: 'reel attachment is not supported: Summer collection https://www.facebook.com/reel/1234567890123456' }],
      ['m_reel01-2', { type: 'image', media: { url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/449573999_n.jpg?oe=66A8E0C1', state: 'pending' } }],
      ['m_booking01', { type: 'unsupported', reason: 'appointment_booking attachment is not supported' }],
    ]);
  });

  it('keeps an ad referral as sent', () => {
    const event = onlyMessage('ads-referral');
    expect(event.from).toEqual({ externalId: OTHER_PSID });
    expect(event.referral).toMatchObject({ source: 'ADS', ad_id: '120208675098760123', ads_context_data: { ad_title: 'Summer sale: 30% off' } });
  });

  it('standby events (another app controls the thread): messages, postbacks and echoes flagged standby; reads as usual', () => {
    // Meta's wire form: compact, non-ASCII escaped.
    expect(fixture('standby').toString('utf8')).toContain('\\u00bfPuede');
    expect(parse('standby')).toStrictEqual([
      {
        kind: 'message',
        accountId: PAGE,
        providerMessageId: 'm_standby01',
        from: { externalId: PSID },
        timestamp: new Date(1749416529876),
        content: { type: 'text', text: '¿Puede ayudarme una persona? 🙏' },
        standby: true,
      },
      // In standby a postback comes without its payload: only the app that sent the button gets it.
      {
        kind: 'message',
        accountId: PAGE,
        providerMessageId: 'm_standby02',
        from: { externalId: PSID },
        timestamp: new Date(1749416529990),
        content: { type: 'button_reply', payload: '', text: 'Hablar con una persona' },
        standby: true,
      },
      {
        kind: 'echo',
        accountId: PAGE,
        providerMessageId: 'm_standby03',
        to: { externalId: PSID },
        timestamp: new Date(1749416530050),
        content: { type: 'text', text: 'Te paso con alguien del equipo.' },
        standby: true,
      },
      { kind: 'watermark', accountId: PAGE, contactExternalId: PSID, status: 'read', watermark: new Date(1749416530999) },
    ]);
  });
});

describe('echoes: what the Page sent from elsewhere', () => {
  it('text: the Page (sender) routes it, the recipient is the contact', () => {
    expect(parse('echo-text')).toStrictEqual([
      {
        kind: 'echo',
        accountId: PAGE,
        providerMessageId: 'm_echo01',
        to: { externalId: PSID },
        timestamp: new Date(1749416509876),
        content: { type: 'text', text: 'It left our warehouse this morning.' },
        replyToProviderMessageId: FIRST_MID,
      },
    ]);
  });

  it('attachments: one echo each, like inbound ones', () => {
    expect(parse('echo-attachments')).toStrictEqual([
      {
        kind: 'echo',
        accountId: PAGE,
        providerMessageId: 'm_echo02',
        to: { externalId: PSID },
        timestamp: new Date(1749416519876),
        content: { type: 'image', media: { url: 'https://scontent.xx.fbcdn.net/v/t1.15752-9/label_n.png?oe=66A8E0C1', state: 'pending' } },
      },
      {
        kind: 'echo',
        accountId: PAGE,
        providerMessageId: 'm_echo02-1',
        to: { externalId: PSID },
        timestamp: new Date(1749416519876),
        content: { type: 'document', filename: 'return-label.pdf', media: { url: 'https://cdn.fbsbx.com/v/t59.2708-21/4493_n.pdf/return-label.pdf?oe=66A8F2B4', state: 'pending' } },
      },
    ]);
  });

  it('a template sent from the Page inbox, in standby, is an unsupported echo (Meta’s example)', () => {
    expect(parse('echo-template-standby')).toEqual([
      {
        kind: 'echo',
        accountId: PAGE,
        providerMessageId: 'qT7ywaKpO9kkQR7Gv-nM8LIfLZDamVrALniheUYEDdHJXjDXEAyaS1xxONzb2Iv-DFzmTihfWJV012P5pK0AhQ',
        to: { externalId: PSID },
        timestamp: new Date(1570053170673),
        content: { type: 'unsupported', reason: 'template attachment (media) is not supported' },
        standby: true,
      },
    ]);
  });
});

describe('postbacks', () => {
  it('a button tap is a button reply with its title; the referral of a new thread is kept', () => {
    const [first, second] = messages('postback');
    expect(first).toStrictEqual({
      kind: 'message',
      accountId: PAGE,
      providerMessageId: 'm_postback01',
      from: { externalId: OTHER_PSID },
      timestamp: new Date(1749416539876),
      content: { type: 'button_reply', payload: 'GET_STARTED', text: 'Get Started' },
      referral: { ref: 'spring-campaign', source: 'SHORTLINK', type: 'OPEN_THREAD' },
    });
    expect(second).toMatchObject({ content: { type: 'button_reply', payload: 'TRACK_ORDER', text: 'Track my order' } });
  });

  it('without a mid, the id is made of the sender and the time: a redelivery gets the same one', () => {
    const [, second] = messages('postback');
    expect(second?.providerMessageId).toBe(`postback-${PSID}-1749416541234`);
    expect(messages('postback')[1]?.providerMessageId).toBe(second?.providerMessageId);
  });
});

describe('reactions', () => {
  it('react carries the emoji; unreact (with or without emoji) removes it; ids are deterministic', () => {
    expect(messages('reactions').map((e) => [e.providerMessageId, e.content])).toStrictEqual([
      [`reaction-m_page_out_01-${PSID}-1749416549876`, { type: 'reaction', targetProviderMessageId: 'm_page_out_01', emoji: '❤️' }],
      [`reaction-m_page_out_01-${PSID}-1749416559876`, { type: 'reaction', targetProviderMessageId: 'm_page_out_01' }],
      [`reaction-m_page_out_02-${PSID}-1749416569876`, { type: 'reaction', targetProviderMessageId: 'm_page_out_02' }],
    ]);
  });
});

describe('deliveries and reads: watermarks', () => {
  it('delivery with mids names them; without mids only the watermark says what was delivered', () => {
    expect(parse('delivery')).toStrictEqual([
      {
        kind: 'watermark',
        accountId: PAGE,
        contactExternalId: PSID,
        status: 'delivered',
        watermark: new Date(1458668856253),
        providerMessageIds: ['mid.1458668856218:ed81099e15d3f4f233', 'mid.1458668856219:ed81099e15d3f4f234'],
      },
      { kind: 'watermark', accountId: PAGE, contactExternalId: OTHER_PSID, status: 'delivered', watermark: new Date(1458668856900) },
    ]);
  });

  it('read', () => {
    expect(parse('read')).toStrictEqual([{ kind: 'watermark', accountId: PAGE, contactExternalId: PSID, status: 'read', watermark: new Date(1458668856253) }]);
  });
});

describe('bodies with many events', () => {
  it('every entry (messaging, then standby) in order; an echo is routed by its sender, the Page', () => {
    const keyOf = (e: InboundEvent) => ('providerMessageId' in e ? e.providerMessageId : e.kind === 'watermark' ? e.contactExternalId : '');
    const standby = (e: InboundEvent) => 'standby' in e && e.standby === true;
    expect(parse('batch').map((e) => [e.kind, e.accountId, keyOf(e), standby(e)])).toEqual([
      ['message', PAGE, 'm_batch01', false],
      ['message', PAGE, 'm_batch02', true],
      ['echo', '200000000000002', 'm_batch03', false],
      ['watermark', '200000000000002', '5511987654321000', false],
    ]);
  });

  it('event kinds we do not act on, unsent messages and chat-plugin guests yield nothing', () => {
    expect(parse('ignored')).toEqual([]);
  });

  it('a body with no entries is valid and empty', () => {
    expect(parseWebhook({ rawBody: Buffer.from('{"object":"page","entry":[]}') })).toEqual([]);
  });

  it('without its own timestamp, an event takes its entry’s time', () => {
    const body = { object: 'page', entry: [{ id: PAGE, time: 1749416383907, messaging: [{ sender: { id: PSID }, recipient: { id: PAGE }, message: { mid: 'm_1', text: 'x' } }] }] };
    expect(parseWebhook({ rawBody: Buffer.from(JSON.stringify(body)) })).toMatchObject([{ timestamp: new Date(1749416383907) }]);
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
    expect(rejects(Buffer.from('{"object": "page", "entry": [')).message).toMatch(/not valid JSON/);
    rejects(Buffer.alloc(0));
  });

  it('not a Page webhook, or no entry array', () => {
    expect(rejects(fixture('invalid-object')).message).toMatch(/object/);
    rejects(Buffer.from('{"hello":"world"}'));
    rejects(Buffer.from('[]'));
    expect(rejects(Buffer.from('{"object":"page"}')).message).toMatch(/entry/);
    rejects(Buffer.from('{"object":"page","entry":{}}'));
  });

  it('a part we read with the wrong shape: the path of the problem is reported', () => {
    expect(rejects(fixture('invalid-message-without-mid')).details).toMatchObject({ issues: [{ path: 'entry.0.messaging.0.message.mid' }] });
    expect(rejects(fixture('invalid-delivery-without-watermark')).details).toMatchObject({ issues: [{ path: 'entry.0.messaging.0.delivery.watermark' }] });
    rejects(fixture('invalid-timestamp'));
  });

  it('a message with no time at all', () => {
    const body = { object: 'page', entry: [{ id: PAGE, messaging: [{ sender: { id: PSID }, message: { mid: 'm_1', text: 'x' } }] }] };
    expect(rejects(Buffer.from(JSON.stringify(body))).message).toMatch(/no timestamp/);
  });
});
