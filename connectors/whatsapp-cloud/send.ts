import { isAxiosError } from 'axios';
import { z } from 'zod';
import { ProviderSendError, type OutboundSend, type SendResult } from '../contract.js';
import { MEDIA_MAX_BYTES } from './capabilities.js';
import { toProviderSendError } from './errors.js';
import { bearer, graphPath, REQUEST_TIMEOUT_MS, type GraphClient } from '../meta/graph.js';
import { contentBody, refuse, type MediaContent, type ResolvedMedia } from './message-body.js';
import type { WhatsAppCloudChannel } from './settings.js';
import { uploadMedia } from './upload.js';

const sendAnswer = z.looseObject({ messages: z.array(z.looseObject({ id: z.string().min(1) })).min(1) });

/**
 * `POST /<phone number id>/messages`. Meta's failures leave as ProviderSendError with Meta's code,
 * content WhatsApp would refuse as a final ProviderSendError before any call.
 */
export async function sendMessage(message: OutboundSend, channel: WhatsAppCloudChannel, client: GraphClient): Promise<SendResult> {
  const { phoneNumberId } = channel.settings;
  const { accessToken } = channel.secrets;
  try {
    const content = await contentBody(message.content, (media) => resolveMedia(client, media, message, channel));
    const body = {
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      ...recipientOf(message.to),
      ...(message.replyToProviderMessageId && { context: { message_id: message.replyToProviderMessageId } }),
      ...content,
    };
    const res = await client.http.post(graphPath(client, phoneNumberId, 'messages'), body, {
      headers: bearer(accessToken),
      timeout: REQUEST_TIMEOUT_MS,
    });
    const answer = sendAnswer.safeParse(res.data);
    // Meta accepted the request: retrying could send the message twice, so this is final.
    if (!answer.success) throw new ProviderSendError('invalid_response', 'Meta accepted the message but returned no message id', 'final');
    return { providerMessageId: answer.data.messages[0]!.id };
  } catch (err) {
    throw isAxiosError(err) ? toProviderSendError(err) : err;
  }
}

/**
 * Phone numbers go in `to`; a business-scoped user id (a user who hides their number behind a
 * username, e.g. US.13491208655302741918) goes in `recipient`.
 */
function recipientOf(externalId: string): { to: string } | { recipient: string } {
  return /^\+?\d+$/.test(externalId) ? { to: externalId } : { recipient: externalId };
}

/**
 * An id Meta already knows is used as is; bytes we hold are uploaded (Meta then never has to
 * reach a URL of ours); a plain URL is handed to Meta as a link.
 */
async function resolveMedia(client: GraphClient, content: MediaContent, message: OutboundSend, channel: WhatsAppCloudChannel): Promise<ResolvedMedia> {
  const ref = content.media;
  if (ref.providerMediaId) return { source: { id: ref.providerMediaId } };
  if (ref.storedId) {
    const stored = await message.loadStoredMedia(ref.storedId);
    const limit = MEDIA_MAX_BYTES[content.type];
    if (stored.data.length > limit) {
      throw refuse('media_too_large', `The ${content.type} is ${stored.data.length} bytes; WhatsApp takes at most ${limit}`);
    }
    const filename = content.filename ?? stored.filename ?? content.type;
    const id = await uploadMedia(client, channel.settings.phoneNumberId, channel.secrets.accessToken, {
      data: stored.data,
      mimeType: stored.mimeType,
      filename,
    });
    return stored.filename === undefined ? { source: { id } } : { source: { id }, filename: stored.filename };
  }
  if (ref.url) return { source: { link: ref.url } };
  throw refuse('media_missing', `The ${content.type} has no media to send`);
}
