import twilio from 'twilio';
import { ProviderSendError, type ChannelAccess, type OutboundSend, type SendResult } from '../contract.js';
import { whatsappAddress } from './addresses.js';
import { contentParams } from './content-params.js';
import { toProviderSendError } from './errors.js';
import type { WhatsAppTwilioSecrets, WhatsAppTwilioSettings } from './settings.js';

type Channel = ChannelAccess<WhatsAppTwilioSettings, WhatsAppTwilioSecrets>;

const REQUEST_TIMEOUT_MS = 15_000;

/**
 * The HTTP client every Twilio client of this connector shares. Credentials travel with each
 * request, so one client serves all channels; a client of its own per send would open an https
 * agent (and its sockets) per message. No automatic retry: a 429 is the send worker's to retry.
 */
export function createRequestClient(): twilio.RequestClient {
  return new twilio.RequestClient({ timeout: REQUEST_TIMEOUT_MS, keepAlive: true, autoRetry: false });
}

/**
 * `POST /2010-04-01/Accounts/<AccountSid>/Messages.json` through the twilio package. Delivery
 * reports come back to the channel's webhook (StatusCallback). Twilio's Messages API has no
 * quoted replies on WhatsApp, so `replyToProviderMessageId` is not sent.
 */
export async function sendMessage(httpClient: twilio.RequestClient, message: OutboundSend, channel: Channel): Promise<SendResult> {
  const { accountSid, sender, messagingServiceSid } = channel.settings;
  const content = contentParams(message.content, message.template);
  const client = twilio(accountSid, channel.secrets.authToken, { httpClient });
  let sid: string | undefined;
  try {
    ({ sid } = await client.messages.create({
      to: whatsappAddress(message.to),
      // A Messaging Service picks the sender from its pool (the WhatsApp sender must be in it).
      ...(messagingServiceSid ? { messagingServiceSid } : { from: whatsappAddress(sender) }),
      statusCallback: channel.webhookUrl,
      ...content,
    }));
  } catch (err) {
    throw toProviderSendError(err);
  }
  // Twilio accepted the request: retrying could send the message twice, so this is final.
  if (!sid) throw new ProviderSendError('invalid_response', 'Twilio accepted the message but returned no sid', 'final');
  return { providerMessageId: sid };
}
