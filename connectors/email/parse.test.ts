import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../contract.js';
import type { InboundEvent } from '../../src/domain/inbound-event.js';
import type { MessageContent } from '../../src/domain/message.js';
import { withAccountHeader } from './imap-source.js';
import { parseEmail } from './parse.js';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
type EmailContent = Extract<MessageContent, { type: 'email' }>;

const ACCOUNT = 'support@omnigate.test';
const RECEIVED_AT = new Date('2025-06-05T00:00:00Z');
const OUR_ID = 'og.665f1c2ab3d4e5f6a7b8c9d0.665f1c2ab3d4e5f6a7b8c9d1@omnigate.test';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.eml`, import.meta.url));
/** The bytes the IMAP watcher records: the mail with the channel's address on top. */
const recorded = (raw: Buffer, account = 'Support@Omnigate.test') => withAccountHeader(raw, account);
const parse = (name: string) => parseEmail({ rawBody: recorded(fixture(name)), receivedAt: RECEIVED_AT });
/** A fixture with extra header fields put at the top of its own header section. */
const withFields = (name: string, fields: string) => recorded(Buffer.concat([Buffer.from(`${fields}\r\n`), fixture(name)]));

async function onlyMessage(raw: Buffer): Promise<MessageEvent & { content: EmailContent }> {
  const events = await parseEmail({ rawBody: raw, receivedAt: RECEIVED_AT });
  expect(events).toHaveLength(1);
  const event = events[0];
  if (event?.kind !== 'message' || event.content.type !== 'email') throw new Error(`expected one email message, got ${JSON.stringify(events)}`);
  return event as MessageEvent & { content: EmailContent };
}
const message = (name: string) => onlyMessage(recorded(fixture(name)));

describe('a plain mail', () => {
  it('becomes one message: routed by X-Omnigate-Account, the sender by address, the Date as time', async () => {
    expect(await parse('plain')).toStrictEqual([
      {
        kind: 'message',
        accountId: ACCOUNT,
        providerMessageId: 'CAF=k2x9Q1mE7uY@mail.example.com',
        from: { externalId: 'ana.souza@example.com', displayName: 'Ana Souza' },
        timestamp: new Date('2025-06-03T09:12:29Z'),
        content: {
          type: 'email',
          subject: 'Order 1234 has not arrived',
          text: 'Hello,\n\nMy order 1234 was due last Friday and still hasn’t arrived. Could you check?\n\nThanks,\nAna\n\n-- \nAna Souza\nSouza & Filhos Lda.\n',
          newText: 'Hello,\n\nMy order 1234 was due last Friday and still hasn’t arrived. Could you check?\n\nThanks,\nAna',
          from: 'ana.souza@example.com',
          to: ['support@omnigate.test'],
          cc: ['billing@example.com', 'rui@example.com'],
          attachments: [],
          automatic: false,
          bulk: false,
        },
        thread: { messageId: 'CAF=k2x9Q1mE7uY@mail.example.com' },
      },
    ]);
  });

  it('without a Date field the time we received it is used', async () => {
    const raw = fixture('plain').toString('latin1').replace(/^Date: .*\n/m, '');
    expect((await onlyMessage(recorded(Buffer.from(raw, 'latin1')))).timestamp).toEqual(RECEIVED_AT);
    const unreadable = fixture('plain').toString('latin1').replace(/^Date: .*$/m, 'Date: sometime last week');
    expect((await onlyMessage(recorded(Buffer.from(unreadable, 'latin1')))).timestamp).toEqual(RECEIVED_AT);
  });

  it('without a Message-ID it is named by a hash of the recorded bytes, the same on every refetch', async () => {
    const raw = recorded(Buffer.from(fixture('plain').toString('latin1').replace(/^Message-ID: .*\n/m, ''), 'latin1'));
    const expected = `sha256:${createHash('sha256').update(raw).digest('hex')}`;
    const event = await onlyMessage(raw);
    expect(event.providerMessageId).toBe(expected);
    expect(event.thread).toEqual({ messageId: expected });
    expect((await onlyMessage(Buffer.from(raw))).providerMessageId).toBe(expected);
  });
});

describe('replies: thread headers and the new text', () => {
  it('Gmail (multipart/alternative): In-Reply-To and References without brackets; the wrapped attribution and quote go', async () => {
    const event = await message('gmail-reply');
    expect(event.thread).toEqual({
      messageId: 'CAF=k2x9R7tLw0A+b1Q@mail.gmail.com',
      inReplyTo: OUR_ID,
      references: ['CAF=k2x9Q1mE7uY@mail.example.com', OUR_ID],
    });
    expect(event.content.newText).toBe('Great, thank you! Tracking shows it in Lisbon now.');
    expect(event.content.text).toContain('> Your parcel left our warehouse this morning.');
    expect(event.content.html).toContain('<blockquote class="gmail_quote"');
    expect(event.content.subject).toBe('Re: Order 1234 has not arrived');
  });

  it('Outlook: the From/Sent block cuts the history; its signature without "-- " stays', async () => {
    const event = await message('outlook-reply');
    expect(event.content.newText).toBe('Hi,\n\nPlease cancel the order instead, I found it elsewhere.\n\nKind regards\nJohn Smith\nContoso Ltd.');
    expect(event.content.text).toContain('Your order 5678 ships tomorrow.');
    expect(event.from).toEqual({ externalId: 'john.smith@contoso.com', displayName: 'John Smith' });
    expect(event.providerMessageId).toBe('AM9PR08MB6739A1B2C3D4E5F6A7B8C9D0E1F2A@AM9PR08MB6739.eurprd08.prod.outlook.com');
    expect(event.thread?.inReplyTo).toBe('og.665f1c2ab3d4e5f6a7b8c9e0.665f1c2ab3d4e5f6a7b8c9e1@omnigate.test');
  });

  it('Outlook sets X-Auto-Response-Suppress on ordinary mail: not automatic', async () => {
    expect(fixture('outlook-reply').toString()).toContain('X-Auto-Response-Suppress: All');
    expect((await message('outlook-reply')).content.automatic).toBe(false);
  });

  it('Apple (quoted-printable, format=flowed): the quoted attribution and quote go, flowed lines are joined', async () => {
    const event = await message('apple-reply');
    expect(event.content.newText).toBe('Sure, Thursday afternoon works for me. I will be at home from two o’clock onwards.\n\nSent from my iPhone');
    expect(event.thread).toEqual({
      messageId: '3F1C2B7E-9D4A-4C61-B0E2-8A5D7C9E1F20@example.com',
      inReplyTo: 'og.665f1c2ab3d4e5f6a7b8c9d0.665f1c2ab3d4e5f6a7b8c9d2@omnigate.test',
      references: ['og.665f1c2ab3d4e5f6a7b8c9d0.665f1c2ab3d4e5f6a7b8c9d2@omnigate.test'],
    });
  });

  it('a forward: the new text is what the forwarder wrote; the forwarded mail stays in text', async () => {
    const event = await message('forwarded');
    expect(event.content.newText).toBe('Could you help this customer? He wrote to me directly.');
    expect(event.content.text).toContain('The lid of the kettle I bought is broken.');
    expect(event.content.subject).toBe('Fwd: Broken lid');
  });
});

describe('HTML-only mail', () => {
  it('text is derived from the HTML (history included); the new text drops cite prefix, blockquote and signature', async () => {
    const { content } = await message('html-only');
    expect(content.text).toBe(
      'Yes please, go ahead with the exchange & send the blue one.\n\nMerci,\nAna\n\nOn 03/06/2025 12:40, Omnigate Support wrote:\n\nHello Ana,\n\nWe can exchange it for the blue one (€ 0 extra).\n\n--\nAna Souza\nSouza & Filhos',
    );
    expect(content.newText).toBe('Yes please, go ahead with the exchange & send the blue one.\n\nMerci,\nAna');
    expect(content.html).toContain('<blockquote type="cite"');
  });
});

describe('attachments', () => {
  it('one EmailAttachment per part, pending; the bytes ride along as inlineMedia by index', async () => {
    const event = await message('attachments');
    expect(event.content.attachments).toStrictEqual([
      { filename: 'damage.png', mimeType: 'image/png', size: 70, contentId: 'damage.4f2a@contoso.com', state: 'pending' },
      { filename: 'Rechnung März.pdf', mimeType: 'application/pdf', size: 142, state: 'pending' },
    ]);
    const [image, pdf] = event.inlineMedia ?? [];
    expect(image).toMatchObject({ index: 0, mimeType: 'image/png' });
    expect(image?.data.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(createHash('sha256').update(image?.data ?? '').digest('hex')).toBe(createHash('sha256').update(pngOfFixture()).digest('hex'));
    expect(pdf).toMatchObject({ index: 1, mimeType: 'application/pdf' });
    expect(pdf?.data.toString('latin1')).toMatch(/^%PDF-1\.4\n[\s\S]*%%EOF\n$/);
  });

  it('the HTML keeps its cid: link to the inline image (not a data URI)', async () => {
    const { content } = await message('attachments');
    expect(content.html).toContain('src="cid:damage.4f2a@contoso.com"');
    expect(content.html).not.toContain('data:image');
    expect(content.from).toBe('john.smith@contoso.com');
  });

  it('a mail without attachments has no inlineMedia', async () => {
    expect((await message('plain')).inlineMedia).toBeUndefined();
  });
});

/** The base64 of the inline PNG, as written in the fixture. */
function pngOfFixture(): Buffer {
  const part = fixture('attachments').toString().split('Content-ID: <damage.4f2a@contoso.com>')[1] ?? '';
  const base64 = part.split('\n\n')[1] ?? '';
  return Buffer.from(base64.replace(/\s/g, ''), 'base64');
}

describe('charsets', () => {
  it('an ISO-8859-1 body (8bit) and Q-encoded ISO-8859-1 subject and name', async () => {
    const event = await message('iso-8859-1');
    expect(fixture('iso-8859-1').includes(Buffer.from('n\xba 88', 'latin1'))).toBe(true);
    expect(event.content.subject).toBe('Devolución del pedido nº 88');
    expect(event.content.text).toBe('Hola, quisiera devolver el pedido nº 88. ¿Es posible?\n\nSaludos, José\n');
    expect(event.from).toEqual({ externalId: 'jose@example.es', displayName: 'José Martínez' });
  });

  it('a B-encoded windows-1251 subject and name, and a windows-1251 body', async () => {
    const event = await message('windows-1251');
    expect(fixture('windows-1251').toString()).toContain('Subject: =?windows-1251?B?');
    expect(event.content.subject).toBe('Заказ 4521 не доставлен');
    expect(event.from.displayName).toBe('Иван Петров');
    expect(event.content.newText).toBe('Здравствуйте! Заказ 4521 так и не пришёл.');
  });

  it('a Shift_JIS subject and body, an ISO-2022-JP name', async () => {
    const event = await message('shift-jis');
    expect(event.content.subject).toBe('注文の件');
    expect(event.from.displayName).toBe('山田 太郎');
    expect(event.content.text).toBe('注文番号４５２１がまだ届いていません。\nよろしくお願いします。\n');
  });
});

describe('automatic mail', () => {
  it.each([
    'Auto-Submitted: auto-replied',
    'Auto-Submitted: auto-generated',
    'Precedence: bulk',
    'Precedence: list',
    'Precedence: junk',
    'List-Id: <customers.lists.example.com>',
    'List-Unsubscribe: <mailto:leave@lists.example.com>',
    'X-Autoreply: yes',
    'X-Autorespond: yes',
    'Return-Path: <>',
  ])('%s → automatic', async (field) => {
    expect((await onlyMessage(withFields('plain', field))).content.automatic).toBe(true);
  });

  it.each(['Auto-Submitted: no', 'X-Auto-Response-Suppress: All', 'Precedence: normal'])('%s → not automatic', async (field) => {
    expect((await onlyMessage(withFields('plain', field))).content.automatic).toBe(false);
  });
});

describe('auto-replies, lists and bulk mail as they arrive', () => {
  it('an Exchange out-of-office reply is automatic, not bulk, and threads like any reply', async () => {
    expect(fixture('out-of-office').includes('\r\nAuto-Submitted: auto-replied\r\n')).toBe(true);
    const event = await message('out-of-office');
    expect(event.content).toMatchObject({ automatic: true, bulk: false, subject: 'Automatic reply: Re: Order 5678' });
    expect(event.thread).toEqual({
      messageId: 'AM9PR08MB67390F1E2D3C4B5A69788796A5B4C@AM9PR08MB6739.eurprd08.prod.outlook.com',
      inReplyTo: 'og.665f1c2ab3d4e5f6a7b8c9e0.665f1c2ab3d4e5f6a7b8c9e2@omnigate.test',
      references: ['AM9PR08MB6739A1B2C3D4E5F6A7B8C9D0E1F2A@AM9PR08MB6739.eurprd08.prod.outlook.com', 'og.665f1c2ab3d4e5f6a7b8c9e0.665f1c2ab3d4e5f6a7b8c9e2@omnigate.test'],
    });
  });

  it('a Mailman list post (List-Id, Precedence: list) is automatic and bulk', async () => {
    const { content } = await message('mailing-list');
    expect(content).toMatchObject({ automatic: true, bulk: true, from: 'maria.lopez@example.org', subject: '[Announce] Community meetup on 12 June' });
  });

  it('a newsletter without List-Id (Precedence: bulk, one-click unsubscribe) is bulk', async () => {
    expect((await message('newsletter')).content).toMatchObject({ automatic: true, bulk: true });
  });

  it('a vacation(1) reply marked Precedence: junk is an auto-reply, not bulk', async () => {
    expect((await onlyMessage(withFields('plain', 'X-Autoreply: yes\r\nPrecedence: junk'))).content).toMatchObject({ automatic: true, bulk: false });
  });
});

describe('routing', () => {
  it('a mail without X-Omnigate-Account cannot be routed', async () => {
    await expect(parseEmail({ rawBody: fixture('plain'), receivedAt: RECEIVED_AT })).rejects.toBeInstanceOf(InvalidPayloadError);
    await expect(parseEmail({ rawBody: fixture('bounce-postfix'), receivedAt: RECEIVED_AT })).rejects.toThrow(/X-Omnigate-Account/);
  });

  it("a sender's own X-Omnigate-Account does not route it: the watcher's topmost field does", async () => {
    const spoofed = Buffer.concat([Buffer.from('X-Omnigate-Account: other@omnigate.test\r\n'), fixture('plain')]);
    expect((await onlyMessage(recorded(spoofed, 'support@omnigate.test'))).accountId).toBe(ACCOUNT);
    // Even where a foreign field was left as it is, the topmost one counts.
    const unrenamed = Buffer.concat([Buffer.from('X-Omnigate-Account: support@omnigate.test\r\n'), spoofed]);
    expect((await onlyMessage(unrenamed)).accountId).toBe(ACCOUNT);
  });

  it('a mail without a From address is refused', async () => {
    const raw = fixture('plain').toString('latin1').replace(/^From: .*\n/m, '');
    await expect(parseEmail({ rawBody: recorded(Buffer.from(raw, 'latin1')), receivedAt: RECEIVED_AT })).rejects.toThrow(/no From address/);
  });
});
