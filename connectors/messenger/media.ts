import { isAxiosError } from 'axios';
import type { FetchedMedia } from '../contract.js';
import { MEDIA_TIMEOUT_MS, type GraphClient } from '../meta/graph.js';
import { MEDIA_MAX_BYTES } from './capabilities.js';
import { MessengerRequestError, toMessengerRequestError } from './errors.js';

/** Nothing larger than the largest kind's limit is worth downloading. */
const DOWNLOAD_MAX_BYTES = Math.max(...Object.values(MEDIA_MAX_BYTES));

/**
 * Downloads inbound media from the URL the webhook gave. Messenger's CDN URLs are signed and
 * public (they expire after a while), so no token is sent. There is no media id to look up.
 */
export async function fetchMedia(client: GraphClient, ref: { providerMediaId?: string; url?: string }): Promise<FetchedMedia> {
  if (!ref.url) throw new MessengerRequestError('media_missing', 'Messenger media is fetched by its URL, and there is none', 'final');
  try {
    const res = await client.http.get<ArrayBuffer>(ref.url, {
      responseType: 'arraybuffer',
      timeout: MEDIA_TIMEOUT_MS,
      maxContentLength: DOWNLOAD_MAX_BYTES,
    });
    const served = res.headers['content-type'];
    return {
      data: Buffer.from(res.data),
      mimeType: typeof served === 'string' && served.trim() !== '' ? served.split(';')[0]!.trim() : 'application/octet-stream',
    };
  } catch (err) {
    throw isAxiosError(err) ? toMessengerRequestError(err, 'Media download') : err;
  }
}
