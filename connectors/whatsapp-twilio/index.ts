import type { AxiosInstance } from 'axios';
import { defineConnector, type Connector, type HttpReply } from '../contract.js';
import { bareAddress } from './addresses.js';
import { WHATSAPP_TWILIO_CAPABILITIES } from './capabilities.js';
import { createTwilioClient } from './client.js';
import { fetchMedia } from './media.js';
import { parseWebhook } from './parse.js';
import { sendMessage } from './send.js';
import { secretsSchema, settingsSchema } from './settings.js';
import { verifySignature } from './signature.js';

export type { WhatsAppTwilioSecrets, WhatsAppTwilioSettings } from './settings.js';

/** Empty TwiML: the message is recorded and nothing is replied through the webhook's answer. */
const ACK_REPLY: HttpReply = { status: 200, contentType: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' };

/**
 * WhatsApp through Twilio's Programmable Messaging. Messages are sent with the twilio package;
 * `http` downloads inbound media. Both go to `http`'s baseURL: https://api.twilio.com or a
 * stand-in. Twilio's webhooks carry no time: events are stamped with the time the
 * request was received.
 */
export function createWhatsAppTwilioConnector(opts: { http: AxiosInstance }): Connector {
  return defineConnector({
    type: 'whatsapp-twilio',
    capabilities: WHATSAPP_TWILIO_CAPABILITIES,
    settingsSchema,
    secretsSchema,
    client: createTwilioClient(opts.http),
    accountIdOf: (channel) => bareAddress(channel.settings.sender),
    verify: verifySignature,
    ackReply: ACK_REPLY,
    parse: parseWebhook,
    send: sendMessage,
    fetchMedia,
  });
}
