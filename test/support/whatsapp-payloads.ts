import { readFileSync } from 'node:fs';

/** Builders for WhatsApp Cloud API webhook bodies, shaped like Meta's documented examples. */

export interface InboundMessageSpec {
  id: string;
  from: string;
  /** unix seconds */
  timestamp: number;
  type: string;
  name?: string;
  [field: string]: unknown;
}

export function messagesWebhook(phoneNumberId: string, messages: InboundMessageSpec[]) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA_ID',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              contacts: messages.map((m) => ({ profile: { name: m.name ?? 'Ana' }, wa_id: m.from })),
              messages: messages.map(({ name: _name, timestamp, ...m }) => ({ ...m, timestamp: String(timestamp) })),
            },
          },
        ],
      },
    ],
  };
}

export function textMessage(phoneNumberId: string, spec: { id: string; from: string; timestamp: number; text: string; name?: string }) {
  return messagesWebhook(phoneNumberId, [
    { id: spec.id, from: spec.from, timestamp: spec.timestamp, type: 'text', text: { body: spec.text }, name: spec.name },
  ]);
}

export function statusWebhook(
  phoneNumberId: string,
  statuses: { id: string; status: string; timestamp: number; recipient: string; errors?: { code: number; title: string }[] }[],
) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA_ID',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
              statuses: statuses.map((s) => ({
                id: s.id,
                status: s.status,
                timestamp: String(s.timestamp),
                recipient_id: s.recipient,
                ...(s.errors && { errors: s.errors }),
              })),
            },
          },
        ],
      },
    ],
  };
}

export const unix = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * A fixture of the WhatsApp Cloud connector in its wire form, byte for byte as Meta sends it
 * (compact, `\uXXXX` and `\/` escapes), with literal strings replaced: the channel's
 * phone_number_id, ids, times. Replacing text keeps every other byte, so the signature covers
 * what Meta would have signed.
 */
export function wireFixture(name: string, replace: Record<string, string> = {}): string {
  let raw = readFileSync(new URL(`../../connectors/whatsapp-cloud/fixtures/${name}.json`, import.meta.url), 'utf8');
  for (const [from, to] of Object.entries(replace)) raw = raw.replaceAll(from, to);
  return raw;
}
