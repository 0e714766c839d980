import { defineConnector, ProviderSendError, type Connector, type ConnectorDefinition, type HttpReply } from '../contract.js';
import { EMAIL_CAPABILITIES } from './capabilities.js';
import { parseEmail } from './parse.js';
import { startImapPull } from './pull.js';
import { appendWithImap, sendEmail, type SendDeps, type SentAppender, type WarningHandler } from './send.js';
import { secretsSchema, settingsSchema, type EmailSecrets, type EmailSettings } from './settings.js';
import { recipientProblem } from './recipient.js';

export type { EmailSecrets, EmailSettings } from './settings.js';
export type { SentAppender, WarningHandler } from './send.js';

/** Email has no webhook; this answer is never given to a provider. */
const ACK_REPLY: HttpReply = { status: 200, contentType: 'text/plain', body: 'OK' };

export interface EmailConnectorOptions {
  /** The mailbox watcher. Default: IMAP (pull.ts), which records every new mail raw. */
  startPulling?: ConnectorDefinition<EmailSettings, EmailSecrets, SendDeps>['startPulling'];
  /** Problems that do not fail a send (the copy to the Sent folder). Default: ignored. */
  onWarning?: WarningHandler;
  /** Copies sent mail to the Sent folder. Default: IMAP APPEND; tests give a stand-in. */
  appendToSent?: SentAppender;
}

/**
 * A mailbox as a channel: mail arrives over IMAP (the watcher records it raw, `parse` reads it) and leaves over SMTP, copied to the Sent folder. Events are routed
 * by the mailbox address, lowercased.
 * - No webhook: `verify` refuses every request, so nothing posted to the channel's webhook URL
 *   is ever accepted; real traffic comes only through the watcher.
 * - No media to fetch: attachments come inside the mail and are stored at ingest (inlineMedia).
 */
export function createEmailConnector(opts: EmailConnectorOptions = {}): Connector {
  return defineConnector({
    type: 'email',
    capabilities: EMAIL_CAPABILITIES,
    settingsSchema,
    secretsSchema,
    client: { appendToSent: opts.appendToSent ?? appendWithImap, onWarning: opts.onWarning ?? (() => {}) },
    accountIdOf: (channel) => channel.settings.address.toLowerCase(),
    recipientProblem,
    verify: () => false,
    ackReply: ACK_REPLY,
    parse: parseEmail,
    // The IMAP watcher at its default timings: its third argument is those, not the client.
    startPulling: opts.startPulling ?? ((channel, sink) => startImapPull(channel, sink)),
    send: sendEmail,
    fetchMedia: () =>
      Promise.reject(new ProviderSendError('media_inline_only', 'Email attachments come inside the mail and are stored when it is received; there is nothing to fetch', 'final')),
  });
}
