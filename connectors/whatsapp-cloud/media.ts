import { isAxiosError } from 'axios';
import { z } from 'zod';
import { type FetchedMedia, ProviderRequestError } from '../contract.js';
import { MEDIA_MAX_BYTES } from './capabilities.js';
import { toGraphRequestError } from './errors.js';
import { bearer, downloadMedia, graphPath, REQUEST_TIMEOUT_MS, type GraphClient } from '../meta/graph.js';
import type { WhatsAppCloudChannel } from './settings.js';

const mediaInfo = z.looseObject({
  url: z.url(),
  mime_type: z.string().optional(),
  file_size: z.number().optional(),
});

/** Nothing larger than the largest kind's limit is worth downloading. */
const DOWNLOAD_MAX_BYTES = Math.max(...Object.values(MEDIA_MAX_BYTES));

/** Hosts Meta serves media from: only they (and the Graph host itself) ever see our token. */
const META_MEDIA_HOSTS = ['fbsbx.com', 'facebook.com', 'fbcdn.net', 'whatsapp.net'];

/**
 * Downloads inbound media: `GET /<media id>` gives a short-lived URL, which is fetched with the
 * same token. A bare URL is fetched directly, with the token only when the host is Meta's.
 */
export async function fetchMedia(
  ref: { providerMediaId?: string; url?: string },
  channel: WhatsAppCloudChannel,
  client: GraphClient,
): Promise<FetchedMedia> {
  const { accessToken } = channel.secrets;
  try {
    if (ref.providerMediaId) {
      const res = await client.http.get(graphPath(client, ref.providerMediaId), { headers: bearer(accessToken), timeout: REQUEST_TIMEOUT_MS });
      const info = mediaInfo.safeParse(res.data);
      if (!info.success) throw new ProviderRequestError('invalid_response', `Meta gave no download URL for media ${ref.providerMediaId}`, 'retry');
      return await downloadMedia(client, info.data.url, { accessToken, mimeType: info.data.mime_type, maxBytes: DOWNLOAD_MAX_BYTES });
    }
    if (ref.url) return await downloadMedia(client, ref.url, { accessToken: isMetaHost(client, ref.url) ? accessToken : undefined, maxBytes: DOWNLOAD_MAX_BYTES });
  } catch (err) {
    throw isAxiosError(err) ? toGraphRequestError(err, 'Media download') : err;
  }
  throw new ProviderRequestError('media_missing', 'Neither a media id nor a URL to fetch', 'final');
}

function isMetaHost(client: GraphClient, url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  const base = client.http.defaults.baseURL;
  if (base && new URL(base).origin === target.origin) return true;
  if (target.protocol !== 'https:') return false;
  return META_MEDIA_HOSTS.some((host) => target.hostname === host || target.hostname.endsWith(`.${host}`));
}
