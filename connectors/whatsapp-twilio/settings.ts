import { z } from 'zod';
import type { ChannelAccess } from '../contract.js';

/** A WhatsApp address as Twilio writes it, or the bare number. */
const SENDER = /^(whatsapp:)?\+[1-9]\d{6,14}$/;

/** A channel's Twilio settings. Unknown keys are refused so typos surface at creation. */
export const settingsSchema = z.strictObject({
  /** The Twilio account (AC + 32 hex): REST calls and media downloads authenticate as it. */
  accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'a Twilio Account SID: AC followed by 32 hex digits'),
  /** The business's WhatsApp sender in E.164 (+14155238886); inbound `To` names it, so events are routed by it. */
  sender: z.string().regex(SENDER, 'an E.164 number such as +14155238886 (a whatsapp: prefix is allowed)'),
  /** Send through this Messaging Service (MG...) instead of naming the sender. */
  messagingServiceSid: z
    .string()
    .regex(/^MG[0-9a-fA-F]{32}$/, 'a Messaging Service SID: MG followed by 32 hex digits')
    .optional(),
  /** Overrides the default of 10 messages/s per sender. */
  sendPerSecond: z.number().int().positive().optional(),
});

export const secretsSchema = z.strictObject({
  /** Signs webhooks (X-Twilio-Signature) and authenticates REST calls with the Account SID. */
  authToken: z.string().min(1),
});

export type WhatsAppTwilioSettings = z.infer<typeof settingsSchema>;
export type WhatsAppTwilioSecrets = z.infer<typeof secretsSchema>;
export type WhatsAppTwilioChannel = ChannelAccess<WhatsAppTwilioSettings, WhatsAppTwilioSecrets>;
