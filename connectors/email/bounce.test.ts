import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { withAccountHeader } from './imap-source.js';
import { parseEmail } from './parse.js';

const RECEIVED_AT = new Date('2025-06-05T00:00:00Z');
const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}.eml`, import.meta.url));
const parse = (raw: Buffer) => parseEmail({ rawBody: withAccountHeader(raw, 'support@omnigate.test'), receivedAt: RECEIVED_AT });

describe('delivery reports (RFC 3464)', () => {
  it('Postfix, original returned whole: one failed status for our Message-ID, 5.1.1 final', async () => {
    expect(await parse(fixture('bounce-postfix'))).toStrictEqual([
      {
        kind: 'status',
        accountId: 'support@omnigate.test',
        providerMessageId: 'og.665f1c2ab3d4e5f6a7b8c9d0.665f1c2ab3d4e5f6a7b8c9f1@omnigate.test',
        status: 'failed',
        timestamp: new Date('2025-06-03T12:40:07Z'),
        recipientId: 'nobody@example.com',
        error: {
          code: '5.1.1',
          title: '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown',
          detail: 'Nobody@example.com',
          outcome: 'final',
        },
      },
    ]);
  });

  it('headers-only original, several recipients: one status per failed one; 4.x.x failures may be retried; delivered ones say nothing', async () => {
    const events = await parse(fixture('bounce-headers-only'));
    expect(events).toStrictEqual([
      {
        kind: 'status',
        accountId: 'support@omnigate.test',
        providerMessageId: 'og.665f1c2ab3d4e5f6a7b8c9e0.665f1c2ab3d4e5f6a7b8c9f2@omnigate.test',
        status: 'failed',
        timestamp: new Date('2025-06-04T16:01:12Z'),
        recipientId: 'full.box@example.org',
        error: { code: '5.2.2', title: "552-5.2.2 The recipient's inbox is out of storage space.", detail: 'full.box@example.org', outcome: 'final' },
      },
      {
        kind: 'status',
        accountId: 'support@omnigate.test',
        providerMessageId: 'og.665f1c2ab3d4e5f6a7b8c9e0.665f1c2ab3d4e5f6a7b8c9f2@omnigate.test',
        status: 'failed',
        timestamp: new Date('2025-06-04T16:01:12Z'),
        recipientId: 'slow@example.net',
        error: { code: '4.4.7', title: '421 4.4.7 Message expired: the server did not answer in time', detail: 'slow@example.net', outcome: 'retry' },
      },
    ]);
  });

  it('a delay notice (Action: delayed, 4.4.1) yields nothing: the server is still trying', async () => {
    expect(await parse(fixture('bounce-delayed'))).toEqual([]);
  });

  it('a report whose original cannot be found yields nothing (and is not a message)', async () => {
    expect(await parse(fixture('bounce-no-original'))).toEqual([]);
  });

  it('a failure without Action is read from its 5.x.x Status; without Diagnostic-Code a generic title', async () => {
    const raw = fixture('bounce-postfix')
      .toString()
      .replace('Action: failed\n', '')
      .replace(/Diagnostic-Code: .*\n {4}rejected: User unknown\n/, '');
    const [event] = await parse(Buffer.from(raw));
    expect(event).toMatchObject({
      kind: 'status',
      status: 'failed',
      error: { code: '5.1.1', title: 'The receiving mail server did not accept the message', outcome: 'final' },
    });
  });

  it('a multipart/report of another type (read receipt) is no bounce', async () => {
    const raw = fixture('bounce-postfix').toString().replace('report-type=delivery-status', 'report-type=disposition-notification');
    const events = await parse(Buffer.from(raw));
    expect(events.map((e) => e.kind)).toEqual(['message']);
  });
});
