import { z } from 'zod';

/**
 * The Messenger Platform webhook body (`object: "page"`). Objects are loose (Meta adds fields
 * without notice and a new field must never make us refuse a delivery); the fields we read are
 * checked strictly.
 */

const nonEmpty = z.string().min(1);

/** Epoch milliseconds, a number (tolerated as a string of digits). */
const epochMs = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .transform((v) => new Date(Number(v)));

/** A PSID or Page id; chat-plugin guests come with a `user_ref` instead of an id. */
const party = z.looseObject({ id: nonEmpty.optional(), user_ref: z.string().optional() });

const attachmentSchema = z.looseObject({
  type: nonEmpty,
  /** Location attachments carry their title and a map URL beside the payload. */
  title: z.string().optional(),
  url: z.string().optional(),
  /** Absent (or null) on some fallback attachments. */
  payload: z
    .looseObject({
      url: z.string().optional(),
      title: z.string().optional(),
      sticker_id: z.union([z.number(), nonEmpty]).optional(),
      coordinates: z.looseObject({ lat: z.number(), long: z.number() }).optional(),
      template_type: z.string().optional(),
    })
    .nullish(),
});
export type AttachmentPayload = z.infer<typeof attachmentSchema>;

const messageSchema = z.looseObject({
  mid: nonEmpty,
  text: z.string().optional(),
  /** Sent by the Page itself (this app, another tool or the Page inbox). */
  is_echo: z.boolean().optional(),
  /** The user unsent the message. */
  is_deleted: z.boolean().optional(),
  quick_reply: z.looseObject({ payload: z.string() }).optional(),
  reply_to: z.looseObject({ mid: nonEmpty }).optional(),
  attachments: z.array(attachmentSchema).optional(),
  /** Ads or Shops referral of a message that opened the thread. */
  referral: z.record(z.string(), z.unknown()).optional(),
});
export type MessagePayload = z.infer<typeof messageSchema>;

const postbackSchema = z.looseObject({
  mid: nonEmpty.optional(),
  title: z.string().optional(),
  /** Only sent to the app that sent the button. */
  payload: z.string().optional(),
  referral: z.record(z.string(), z.unknown()).optional(),
});

const reactionSchema = z.looseObject({
  mid: nonEmpty,
  action: nonEmpty,
  emoji: z.string().optional(),
  reaction: z.string().optional(),
});

/** One event of `messaging[]` or `standby[]`; which of its parts is present says what it is. */
const eventSchema = z.looseObject({
  sender: party.optional(),
  recipient: party.optional(),
  timestamp: epochMs.optional(),
  message: messageSchema.optional(),
  postback: postbackSchema.optional(),
  reaction: reactionSchema.optional(),
  delivery: z.looseObject({ mids: z.array(nonEmpty).optional(), watermark: epochMs }).optional(),
  read: z.looseObject({ watermark: epochMs }).optional(),
});
export type MessagingEvent = z.infer<typeof eventSchema>;

export const webhookSchema = z.looseObject({
  object: z.literal('page'),
  entry: z.array(
    z.looseObject({
      /** The Page id. */
      id: nonEmpty,
      time: epochMs.optional(),
      messaging: z.array(eventSchema).optional(),
      /** Events of threads another app controls (handover protocol): same shapes. */
      standby: z.array(eventSchema).optional(),
    }),
  ),
});
export type WebhookEntry = z.infer<typeof webhookSchema>['entry'][number];

export const graphErrorBody = z.looseObject({
  error: z.looseObject({
    code: z.union([z.number(), nonEmpty]),
    error_subcode: z.union([z.number(), nonEmpty]).optional(),
    message: z.string().optional(),
  }),
});
