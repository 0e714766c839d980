import type { InboundEvent } from '../../src/domain/inbound-event.js';
import type { MessageContent } from '../../src/domain/message.js';
import { visitorProviderMessageId } from '../../src/domain/visitor-message.js';
import { InvalidPayloadError, type WebhookRequest } from '../contract.js';
import { withoutUndefined } from '../support/objects.js';
import { visitorEvent, type VisitorEvent } from './visitor-event.js';

/** The recorded visitor event, read back. */
export function readVisitorEvent(rawBody: Buffer): VisitorEvent {
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw new InvalidPayloadError('The visitor event is not JSON');
  }
  const parsed = visitorEvent.safeParse(json);
  if (!parsed.success) throw new InvalidPayloadError('The visitor event is not one the widget sends', parsed.error.issues);
  return parsed.data;
}

/** A visitor's message or receipt as the gateway's normalized event, stamped with the time it was received. */
export function parseVisitorEvent(req: Pick<WebhookRequest, 'rawBody'> & { receivedAt: Date }): InboundEvent[] {
  const event = readVisitorEvent(req.rawBody);
  if (event.kind === 'receipt') {
    return [{ kind: 'watermark', accountId: event.account, contactExternalId: event.visitorId, status: event.status, watermark: new Date(event.watermark) }];
  }
  return [
    {
      kind: 'message',
      accountId: event.account,
      providerMessageId: visitorProviderMessageId(event.visitorId, event.clientMessageId),
      from: withoutUndefined({ externalId: event.visitorId, displayName: event.name }),
      timestamp: req.receivedAt,
      content: contentOf(event),
    },
  ];
}

function contentOf(event: Extract<VisitorEvent, { kind: 'message' }>): MessageContent {
  if (!event.media) return { type: 'text', text: event.text ?? '' };
  const { kind, filename, ...media } = event.media;
  return withoutUndefined({ type: kind, media: { ...media, state: 'stored' as const }, caption: event.text, filename });
}
