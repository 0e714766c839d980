import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ChannelAccess } from '../contract.js';

const colour = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1f6feb');
/** An origin as a browser sends it: scheme, host and port, nothing after. */
const origin = z
  .string()
  .url()
  .transform((value) => new URL(value).origin)
  .refine((value) => value !== 'null', 'must be an http(s) origin');

/**
 * A website chat channel's settings: what the widget shows (title, greeting, colours, prompt
 * chips) and which sites may embed it. Unknown keys are refused so typos surface at creation.
 */
export const settingsSchema = z.strictObject({
  /** The channel's account id (events are routed by it): made by the gateway, like a provider's page id. */
  widgetId: z
    .string()
    .regex(/^wc_[A-Za-z0-9_-]{16,}$/)
    .default(() => `wc_${randomBytes(12).toString('base64url')}`),
  /** The widget's header. */
  title: z.string().trim().min(1).max(60).default('Chat with us'),
  /** Shown as the first bubble before the visitor writes. */
  greeting: z.string().trim().max(300).default('Hi! How can we help?'),
  colors: z
    .strictObject({
      /** The launcher, the header and the visitor's bubbles. */
      primary: colour.default('#1f6feb'),
      /** Text on the primary colour. */
      onPrimary: colour.default('#ffffff'),
    })
    .prefault({}),
  /** Short suggestions shown before the visitor writes; a click sends the text. */
  promptChips: z.array(z.string().trim().min(1).max(80)).max(6).default([]),
  /** The pages allowed to embed the widget (their Origin), checked by CORS and on the WebSocket. */
  allowedOrigins: z.array(origin).min(1).max(50),
});

export const secretsSchema = z.strictObject({
  /**
   * Signs the visitors' tokens and media links. Made by the gateway when the channel is
   * created; replacing it signs every visitor out.
   */
  visitorTokenSecret: z
    .string()
    .min(32)
    .default(() => randomBytes(32).toString('base64url')),
  /**
   * The business's secret for logged-in visitors: its server sends a user id with
   * HMAC-SHA256(identitySecret, userId) in hex, and only a matching pair is accepted.
   */
  identitySecret: z.string().min(16).optional(),
});

export type WebchatSettings = z.infer<typeof settingsSchema>;
export type WebchatSecrets = z.infer<typeof secretsSchema>;
export type WebchatChannel = ChannelAccess<WebchatSettings, WebchatSecrets>;
