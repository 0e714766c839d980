import { z } from 'zod';
import { bareAddress } from './addresses.js';

/**
 * The form fields of Twilio's WhatsApp webhooks. Objects are loose: Twilio adds fields without
 * notice and a new one must never make us refuse a delivery. The fields we read are checked.
 */

const nonEmpty = z.string().min(1);

/** Twilio sends fields that do not apply as empty strings (ErrorCode=, ProfileName=). */
const optionalText = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** `whatsapp:+14155238886` or `whatsapp:<business-scoped id>`, kept without the prefix. */
const address = z.string().regex(/^whatsapp:\S+$/, 'a whatsapp: address').transform(bareAddress);

const decimal = (min: number, max: number) =>
  z
    .string()
    .regex(/^[-+]?\d+(\.\d+)?$/, 'a decimal number')
    .transform(Number)
    .pipe(z.number().min(min).max(max));

/** A delivery report on a message we sent, posted to the StatusCallback URL. */
export const statusCallbackSchema = z.looseObject({
  MessageSid: nonEmpty,
  AccountSid: nonEmpty,
  MessageStatus: nonEmpty,
  /** Our sender: the channel the report belongs to. */
  From: address,
  /** The recipient. (ChannelToAddress is masked in some reports, so it is not used.) */
  To: address.optional(),
  ErrorCode: optionalText,
  ErrorMessage: optionalText,
});
export type StatusCallback = z.infer<typeof statusCallbackSchema>;

/** A message a WhatsApp user sent to our sender. Media fields are indexed and read in parse.ts. */
export const inboundMessageSchema = z.looseObject({
  MessageSid: nonEmpty,
  AccountSid: nonEmpty,
  From: address,
  /** Our sender: the channel the message belongs to. */
  To: address,
  Body: z.string().default(''),
  /** Twilio attaches at most 10 media to a message. */
  NumMedia: z
    .string()
    .regex(/^\d+$/, 'a count')
    .transform(Number)
    .pipe(z.number().max(10))
    .default(0),
  ProfileName: optionalText,
  /** The sender's WhatsApp id: the phone number's digits, without `+`. */
  WaId: optionalText,
  /** text, image, location, button, interactive, contacts, ... */
  MessageType: optionalText,
  Latitude: decimal(-90, 90).optional(),
  Longitude: decimal(-180, 180).optional(),
  Address: optionalText,
  Label: optionalText,
  ButtonText: optionalText,
  ButtonPayload: optionalText,
  OriginalRepliedMessageSid: optionalText,
});
export type InboundMessage = z.infer<typeof inboundMessageSchema>;

/** `MediaUrl{N}` with `MediaContentType{N}`: Twilio serves the file there, behind Basic auth. */
export const mediaItemSchema = z.object({
  url: z.url({ protocol: /^https?$/ }),
  mimeType: optionalText,
});
export type MediaItem = z.infer<typeof mediaItemSchema>;
