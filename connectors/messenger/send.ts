import { isAxiosError } from 'axios';
import { z } from 'zod';
import { ProviderSendError, type OutboundSend, type SendResult } from '../contract.js';
import { bearer, graphPath, REQUEST_TIMEOUT_MS, type GraphClient } from '../meta/graph.js';
import { MEDIA_MAX_BYTES } from './capabilities.js';
import { toProviderSendError } from './errors.js';
import { attachmentTypeOf, refuse, requestBody, type AttachmentSource, type MediaContent, type RequestBody, type SendableKind } from './message-body.js';
import type { MessengerChannel } from './settings.js';
import { uploadAttachment } from './upload.js';
import { type MessageTag } from '../../src/domain/channel.js';

const sendAnswer = z.looseObject({ message_id: z.string().min(1) });

/**
 * `POST /<page id>/messages` with the Page token as Bearer. Meta's failures leave as
 * ProviderSendError with Meta's code, content Messenger would refuse as a final
 * ProviderSendError before any call. Messenger has no quoted replies for Pages:
 * `replyToProviderMessageId` is not sent.
 */
export async function sendMessage(message: OutboundSend, channel: MessengerChannel, client: GraphClient): Promise<SendResult> {
  const { pageId, humanAgentEnabled } = channel.settings;
  try {
    if (message.tag === 'HUMAN_AGENT' && humanAgentEnabled !== true) {
      throw refuse('tag_not_allowed', 'HUMAN_AGENT is not enabled for this channel (it needs app approval)');
    }
    const content = await requestBody(message.content, (kind, media) => resolveMedia(client, kind, media, message, channel));
    const body = { recipient: { id: message.to }, ...messagingType(content, message.tag), ...content };
    const res = await client.http.post(graphPath(client, pageId, 'messages'), body, {
      headers: bearer(channel.secrets.pageAccessToken),
      timeout: REQUEST_TIMEOUT_MS,
    });
    const answer = sendAnswer.safeParse(res.data);
    // Meta accepted the request: retrying could send the message twice, so this is final.
    if (!answer.success) throw new ProviderSendError('invalid_response', 'Meta accepted the message but returned no message id', 'final');
    return { providerMessageId: answer.data.message_id };
  } catch (err) {
    throw isAxiosError(err) ? toProviderSendError(err) : err;
  }
}

/**
 * A message outside the standard window carries the tag the policy allowed; every other
 * message answers the contact (RESPONSE). Reactions are sender actions, sent without one.
 */
function messagingType(body: RequestBody, tag: MessageTag | undefined): Record<string, string> {
  if (!('message' in body)) return {};
  return tag ? { messaging_type: 'MESSAGE_TAG', tag } : { messaging_type: 'RESPONSE' };
}

/**
 * An attachment id Meta already knows is used as is; bytes we hold are uploaded first (Meta
 * then never has to reach a URL of ours); a plain URL is handed to Meta to fetch and keep.
 */
async function resolveMedia(
  client: GraphClient,
  kind: SendableKind,
  content: MediaContent,
  message: OutboundSend,
  channel: MessengerChannel,
): Promise<AttachmentSource> {
  const ref = content.media;
  if (ref.providerMediaId) return { attachment_id: ref.providerMediaId };
  if (ref.storedId) {
    const stored = await message.loadStoredMedia(ref.storedId);
    const limit = MEDIA_MAX_BYTES[kind];
    if (stored.data.length > limit) {
      throw refuse('media_too_large', `The ${kind} is ${stored.data.length} bytes; Messenger takes at most ${limit}`);
    }
    const attachmentId = await uploadAttachment(client, channel.settings.pageId, channel.secrets.pageAccessToken, {
      type: attachmentTypeOf(kind),
      data: stored.data,
      mimeType: stored.mimeType,
      filename: content.filename ?? stored.filename ?? kind,
    });
    return { attachment_id: attachmentId };
  }
  if (ref.url) return { url: ref.url, is_reusable: true };
  throw refuse('media_missing', `The ${kind} has no media to send`);
}
