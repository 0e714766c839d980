import { z } from 'zod';
import { ProviderSendError } from '../contract.js';
import { bearer, graphPath, MEDIA_TIMEOUT_MS, type GraphClient } from '../meta/graph.js';

const uploadAnswer = z.looseObject({ id: z.string().min(1) });

/**
 * Uploads bytes we hold to Meta (multipart `POST /<phone number id>/media`) and returns the media
 * id to send by. Failures are left as axios errors for the caller to map.
 */
export async function uploadMedia(
  client: GraphClient,
  phoneNumberId: string,
  accessToken: string,
  file: { data: Buffer; mimeType: string; filename: string },
): Promise<string> {
  const form = new FormData();
  form.append('messaging_product', 'whatsapp');
  form.append('type', file.mimeType);
  form.append('file', new Blob([file.data], { type: file.mimeType }), file.filename);
  const res = await client.http.post(graphPath(client, phoneNumberId, 'media'), form, {
    headers: bearer(accessToken),
    timeout: MEDIA_TIMEOUT_MS,
  });
  const parsed = uploadAnswer.safeParse(res.data);
  // Nothing was sent yet, so trying again is safe.
  if (!parsed.success) throw new ProviderSendError('invalid_response', 'Meta answered a media upload without an id', 'retry');
  return parsed.data.id;
}
