import { z } from 'zod';
import type { ChannelAccess } from '../contract.js';

/** A channel's Messenger settings. Unknown keys are refused so typos surface at creation. */
export const settingsSchema = z.strictObject({
  /** The Facebook Page: messages are sent as it and events are routed by its id. */
  pageId: z.string().min(1),
  /**
   * The app was approved for the HUMAN_AGENT tag (a human's reply up to 7 days after the
   * contact's last message). Off by default: without approval Meta refuses the tag.
   */
  humanAgentEnabled: z.boolean().default(false),
  /**
   * Handover protocol: the app people answer in (the Page Inbox is 263902037430900, or a
   * helpdesk's app). A conversation the AI agent hands to people passes thread control to it, and
   * control is taken back when Agent replies turn on again. Unset: people answer through Omnigate.
   */
  handoverAppId: z.string().regex(/^\d+$/, 'must be a numeric app id').optional(),
  /** Overrides the default of 300 Send API calls/s per Page. */
  sendPerSecond: z.number().int().positive().optional(),
});

export const secretsSchema = z.strictObject({
  /** The Page access token, used as Bearer on every Graph call. */
  pageAccessToken: z.string().min(1),
  /** The Meta app's secret: webhook signatures are HMACs with it. */
  appSecret: z.string().min(1),
  /** What we told Meta to send back in the subscription handshake. */
  verifyToken: z.string().min(1),
});

export type MessengerSettings = z.infer<typeof settingsSchema>;
export type MessengerSecrets = z.infer<typeof secretsSchema>;
export type MessengerChannel = ChannelAccess<MessengerSettings, MessengerSecrets>;
