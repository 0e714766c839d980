import { z } from 'zod';
import { ProviderSendError } from '../contract.js';
import { bearer, graphPath, MEDIA_TIMEOUT_MS, type GraphClient } from '../meta/graph.js';
import type { AttachmentType } from './message-body.js';

const uploadAnswer = z.looseObject({ attachment_id: z.union([z.string().min(1), z.number()]) });

/**
 * Uploads bytes we hold with the Attachment Upload API (multipart `POST /<page id>/message_attachments`:
 * the `message` JSON naming the attachment type, and the file as `filedata`) and returns the
 * attachment id to send by. Failures are left as axios errors for the caller to map.
 */
export async function uploadAttachment(
  client: GraphClient,
  pageId: string,
  accessToken: string,
  file: { type: AttachmentType; data: Buffer; mimeType: string; filename: string },
): Promise<string> {
  const form = new FormData();
  form.append('message', JSON.stringify({ attachment: { type: file.type, payload: { is_reusable: true } } }));
  form.append('filedata', new Blob([file.data], { type: file.mimeType }), file.filename);
  const res = await client.http.post(graphPath(client, pageId, 'message_attachments'), form, {
    headers: bearer(accessToken),
    timeout: MEDIA_TIMEOUT_MS,
  });
  const parsed = uploadAnswer.safeParse(res.data);
  // Nothing was sent yet, so trying again is safe.
  if (!parsed.success) throw new ProviderSendError('invalid_response', 'Meta answered an attachment upload without an id', 'retry');
  return String(parsed.data.attachment_id);
}
