import twilio from 'twilio';
import { ProviderSendError, type OutboundSend, type SendResult } from '../contract.js';
import { whatsappAddress } from './addresses.js';
import type { TwilioClient } from './client.js';
import { contentParams } from './content-params.js';
import { toProviderSendError } from './errors.js';
import type { WhatsAppTwilioChannel } from './settings.js';

/**
 * `POST /2010-04-01/Accounts/<AccountSid>/Messages.json` through the twilio package. Delivery
 * reports come back to the channel's webhook (StatusCallback). Twilio's Messages API has no
 * quoted replies on WhatsApp, so `replyToProviderMessageId` is not sent.
 */
export async function sendMessage(message: OutboundSend, channel: WhatsAppTwilioChannel, client: TwilioClient): Promise<SendResult> {
  const { accountSid, sender, messagingServiceSid } = channel.settings;
  const content = contentParams(message.content, message.template);
  const api = twilio(accountSid, channel.secrets.authToken, { httpClient: client.requests });
  let sid: string | undefined;
  try {
    ({ sid } = await api.messages.create({
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
