import { isAxiosError } from 'axios';
import { type FetchedMedia, ProviderRequestError } from '../contract.js';
import { downloadMedia, type GraphClient } from '../meta/graph.js';
import { MEDIA_MAX_BYTES } from './capabilities.js';
import type { MessengerChannel } from './settings.js';
import { toMessengerRequestError } from './errors.js';

/** Nothing larger than the largest kind's limit is worth downloading. */
const DOWNLOAD_MAX_BYTES = Math.max(...Object.values(MEDIA_MAX_BYTES));

/**
 * Downloads inbound media from the URL the webhook gave. Messenger's CDN URLs are signed and
 * public (they expire after a while), so no token is sent. There is no media id to look up.
 */
export async function fetchMedia(ref: { providerMediaId?: string; url?: string }, _channel: MessengerChannel, client: GraphClient): Promise<FetchedMedia> {
  if (!ref.url) throw new ProviderRequestError('media_missing', 'Messenger media is fetched by its URL, and there is none', 'final');
  try {
    return await downloadMedia(client, ref.url, { maxBytes: DOWNLOAD_MAX_BYTES });
  } catch (err) {
    throw isAxiosError(err) ? toMessengerRequestError(err, 'Media download') : err;
  }
}
