import { z } from 'zod';
import type { ChannelAccess } from '../contract.js';

const server = {
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  /** Implicit TLS (993/465). false: plain or STARTTLS when the server offers it. */
  secure: z.boolean(),
  user: z.string().min(1),
};

/** A mailbox connected as a channel: IMAP for what arrives, SMTP for what we send. */
export const settingsSchema = z.strictObject({
  /** The address customers write to; our replies come from it. */
  address: z.email(),
  displayName: z.string().min(1).optional(),
  imap: z.strictObject({
    ...server,
    mailbox: z.string().min(1).default('INBOX'),
    sentFolder: z.string().min(1).default('Sent'),
    /** Where the server has no IDLE: how often to look for new mail. */
    pollSeconds: z.number().int().min(5).default(60),
    /** IDLE is re-issued before servers cut it (RFC 2177 says 29 minutes; some cut at 10). */
    idleRestartSeconds: z.number().int().min(5).max(1740).default(540),
  }),
  smtp: z.strictObject(server),
  /** The right-hand side of the Message-IDs we generate; defaults to the address's domain. */
  messageIdDomain: z.string().min(1).optional(),
  sendPerSecond: z.number().int().positive().optional(),
});

export const secretsSchema = z.strictObject({
  imapPassword: z.string().min(1),
  smtpPassword: z.string().min(1),
});

export type EmailSettings = z.infer<typeof settingsSchema>;
export type EmailSecrets = z.infer<typeof secretsSchema>;
export type EmailChannel = ChannelAccess<EmailSettings, EmailSecrets>;
