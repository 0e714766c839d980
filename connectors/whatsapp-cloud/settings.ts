import { z } from 'zod';
import type { ChannelAccess } from '../contract.js';

/** A channel's WhatsApp Cloud API settings. Unknown keys are refused so typos surface at creation. */
export const settingsSchema = z.strictObject({
  /** The business phone number's id: outbound messages are sent from it and events are routed by it. */
  phoneNumberId: z.string().min(1),
  /** The WhatsApp Business Account owning the number: templates live there. */
  wabaId: z.string().min(1),
  /** Overrides the default of 80 messages/s (numbers upgraded by Meta go up to 1000). */
  sendPerSecond: z.number().int().positive().optional(),
});

export const secretsSchema = z.strictObject({
  /** System-user token used as Bearer on every Graph call. */
  accessToken: z.string().min(1),
  /** The Meta app's secret: webhook signatures are HMACs with it. */
  appSecret: z.string().min(1),
  /** What we told Meta to send back in the subscription handshake. */
  verifyToken: z.string().min(1),
});

export type WhatsAppCloudSettings = z.infer<typeof settingsSchema>;
export type WhatsAppCloudSecrets = z.infer<typeof secretsSchema>;
export type WhatsAppCloudChannel = ChannelAccess<WhatsAppCloudSettings, WhatsAppCloudSecrets>;
