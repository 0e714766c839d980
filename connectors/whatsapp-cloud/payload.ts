import { z } from 'zod';

/**
 * The WhatsApp Cloud API webhook body. Objects are loose (Meta adds fields without notice and a
 * new field must never make us refuse a delivery); the fields we read are checked strictly.
 */

const nonEmpty = z.string().min(1);

/** Unix seconds, sent as a string (tolerated as a number). */
const unixSeconds = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform((v) => new Date(Number(v) * 1000));

export const graphErrorSchema = z.looseObject({
  code: z.union([z.number(), nonEmpty]),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});
export type GraphErrorPayload = z.infer<typeof graphErrorSchema>;

const mediaSchema = z.looseObject({
  id: nonEmpty,
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  /** Audio only: true for a recorded voice note, false for an audio file. */
  voice: z.boolean().optional(),
});

const contactProfileSchema = z.looseObject({
  /** The phone number; may be withheld from users who adopted a username. */
  wa_id: z.string().optional(),
  /** Business-scoped user id (e.g. US.13491208655302741918). */
  user_id: z.string().optional(),
  username: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
});
export type ContactProfile = z.infer<typeof contactProfileSchema>;

/** Fields of every message type are optional here; parse.ts requires the one its `type` names. */
const inboundMessageSchema = z.looseObject({
  id: nonEmpty,
  from: nonEmpty.optional(),
  from_user_id: nonEmpty.optional(),
  timestamp: unixSeconds,
  type: nonEmpty,
  context: z.looseObject({ id: z.string().optional(), from: z.string().optional() }).optional(),
  referral: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(graphErrorSchema).optional(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: mediaSchema.optional(),
  video: mediaSchema.optional(),
  audio: mediaSchema.optional(),
  document: mediaSchema.optional(),
  sticker: mediaSchema.optional(),
  location: z
    .looseObject({
      latitude: z.number(),
      longitude: z.number(),
      name: z.string().optional(),
      address: z.string().optional(),
      url: z.string().optional(),
    })
    .optional(),
  contacts: z.array(z.looseObject({})).optional(),
  interactive: z
    .looseObject({
      type: nonEmpty,
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ payload: z.string(), text: z.string() }).optional(),
  reaction: z.looseObject({ message_id: nonEmpty, emoji: z.string().optional() }).optional(),
  /** No contacts array comes with it: `from` is the number as it was. */
  system: z
    .looseObject({
      body: z.string().optional(),
      type: z.string().optional(),
      /** The new number; older payloads named it new_wa_id. */
      new_wa_id: z.string().optional(),
      wa_id: z.string().optional(),
      /** The business-scoped user ids after and before the change (a number change regenerates it). */
      user_id: z.string().optional(),
      previous_user_id: z.string().optional(),
    })
    .optional(),
  unsupported: z.looseObject({ type: z.string().optional() }).optional(),
});
export type InboundMessagePayload = z.infer<typeof inboundMessageSchema>;

const statusSchema = z.looseObject({
  id: nonEmpty,
  status: nonEmpty,
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  pricing: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(graphErrorSchema).optional(),
});
export type StatusPayload = z.infer<typeof statusSchema>;

/** `value` of a `messages` change: messages, statuses or errors of one business phone number. */
export const messagesValueSchema = z.looseObject({
  metadata: z.looseObject({ phone_number_id: nonEmpty }),
  contacts: z.array(contactProfileSchema).optional(),
  messages: z.array(inboundMessageSchema).optional(),
  statuses: z.array(statusSchema).optional(),
  errors: z.array(graphErrorSchema).optional(),
});
export type MessagesValue = z.infer<typeof messagesValueSchema>;

/** `value` of a `message_template_status_update` change. */
export const templateStatusValueSchema = z.looseObject({
  event: nonEmpty,
  message_template_id: z.union([z.number(), nonEmpty]).optional(),
  message_template_name: nonEmpty,
  message_template_language: nonEmpty,
  reason: z.string().nullable().optional(),
});
export type TemplateStatusValue = z.infer<typeof templateStatusValueSchema>;

/** The envelope; each change's value is checked against its field's schema in parse.ts. */
export const webhookSchema = z.looseObject({
  object: z.literal('whatsapp_business_account'),
  entry: z.array(
    z.looseObject({
      id: nonEmpty,
      changes: z.array(z.looseObject({ field: nonEmpty, value: z.unknown() })),
    }),
  ),
});
