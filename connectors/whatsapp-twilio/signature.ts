import twilio from 'twilio';
import type { WebhookRequest } from '../contract.js';
import { headerValue, readForm } from './form.js';
import type { WhatsAppTwilioChannel } from './settings.js';

/**
 * Checks `X-Twilio-Signature`: base64 HMAC-SHA1 of the public URL followed by every POST field,
 * sorted by name. Twilio's own validator does it (it also tries the URL with and without the
 * default port, as Twilio may sign either). `req.url` must be the URL Twilio called, as configured.
 */
export function verifySignature(req: Pick<WebhookRequest, 'url' | 'headers' | 'rawBody'>, channel: Pick<WhatsAppTwilioChannel, 'secrets'>): boolean {
  const signature = headerValue(req.headers, 'x-twilio-signature');
  if (!signature) return false;
  try {
    return twilio.validateRequest(channel.secrets.authToken, signature, req.url, readForm(req.rawBody));
  } catch {
    // An unparseable URL: nothing we could have signed.
    return false;
  }
}
