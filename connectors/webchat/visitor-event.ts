import { z } from 'zod';

/**
 * What the gateway records of a visitor's request: the visitor API (src/webchat) writes it from
 * the checked request, so that the same visitor sending the same client message id with the same
 * content gives the same bytes (a retried send is recognised by the raw event's id), and the
 * message's provider id is the visitor's and the client's ids together (a retry with other bytes
 * still finds the stored message). The visitor's token travels beside it, as a provider's
 * signature does.
 */
export const visitorEvent = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('message'),
    /** The channel's widgetId (its account id). */
    account: z.string(),
    visitorId: z.string(),
    clientMessageId: z.string(),
    name: z.string().optional(),
    text: z.string().optional(),
    media: z
      .strictObject({ kind: z.enum(['image', 'document']), storedId: z.string(), mimeType: z.string(), size: z.number(), filename: z.string().optional() })
      .optional(),
  }),
  /** The visitor's browser showed the business's messages sent up to `watermark` (delivered) or the visitor saw them (read). */
  z.strictObject({
    kind: z.literal('receipt'),
    account: z.string(),
    visitorId: z.string(),
    status: z.enum(['delivered', 'read']),
    watermark: z.iso.datetime(),
  }),
]);
export type VisitorEvent = z.infer<typeof visitorEvent>;

/** The recorded bytes of an event: keys in one order, so equal events are equal bytes. */
export function visitorEventBytes(event: VisitorEvent): Buffer {
  return Buffer.from(JSON.stringify(visitorEvent.parse(event)));
}
