import type { AxiosInstance } from 'axios';
import type { Connector, HttpReply } from '../contract.js';
import { bareAddress } from './addresses.js';
import { WHATSAPP_TWILIO_CAPABILITIES } from './capabilities.js';
import { fetchMedia } from './media.js';
import { parseWebhook } from './parse.js';
import { createRequestClient, sendMessage } from './send.js';
import { secretsSchema, settingsSchema, type WhatsAppTwilioSecrets, type WhatsAppTwilioSettings } from './settings.js';
import { verifySignature } from './signature.js';

export type { WhatsAppTwilioSecrets, WhatsAppTwilioSettings } from './settings.js';

/** Empty TwiML: the message is recorded and nothing is replied through the webhook's answer. */
const ACK_REPLY: HttpReply = { status: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' };

/**
 * WhatsApp through Twilio's Programmable Messaging. Messages are sent with the twilio package
 * (always to api.twilio.com); `http` downloads inbound media, with https://api.twilio.com or a
 * stand-in as baseURL. Twilio's webhooks carry no time: events are stamped with the time the
 * request was received.
 */
export function createWhatsAppTwilioConnector(opts: { http: AxiosInstance }): Connector<WhatsAppTwilioSettings, WhatsAppTwilioSecrets> {
  const httpClient = createRequestClient();
  return {
    type: 'whatsapp-twilio',
    capabilities: WHATSAPP_TWILIO_CAPABILITIES,
    settingsSchema,
    secretsSchema,
    accountIdOf: (channel) => bareAddress(channel.settings.sender),
    verify: (req, channel) => verifySignature(req, channel.secrets.authToken),
    ackReply: ACK_REPLY,
    parse: (req) => parseWebhook(req, req.receivedAt),
    send: (message, channel) => sendMessage(httpClient, message, channel),
    fetchMedia: (ref, channel) => fetchMedia(opts.http, ref, { accountSid: channel.settings.accountSid, authToken: channel.secrets.authToken }),
  };
}
