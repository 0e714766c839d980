import type { AxiosInstance } from 'axios';
import { type FetchedMedia, ProviderRequestError } from '../contract.js';
import { MEDIA_MAX_BYTES } from './capabilities.js';
import type { TwilioClient } from './client.js';
import { toTwilioRequestError } from './errors.js';
import type { WhatsAppTwilioChannel } from './settings.js';

/** Downloads move up to 16 MB, which a short timeout cannot carry on a slow link. */
const MEDIA_TIMEOUT_MS = 120_000;
/** Twilio answers with one redirect to its CDN; a few more are tolerated, a loop is not. */
const MAX_REDIRECTS = 3;
/** Nothing larger than the largest kind's limit is worth downloading. */
const DOWNLOAD_MAX_BYTES = Math.max(...Object.values(MEDIA_MAX_BYTES));

/** api.twilio.com, and its edge/region forms (api.dublin.ie1.twilio.com). */
const TWILIO_API_HOST = /^api(\.[a-z0-9-]+)*\.twilio\.com$/i;

/**
 * Downloads inbound media from its MediaUrl with HTTP Basic auth (Account SID and auth token).
 * Twilio redirects to a short-lived CDN URL; redirects are followed here, one hop at a time, so
 * the credentials only ever go to Twilio's API host and never to the CDN.
 */
export async function fetchMedia(ref: { providerMediaId?: string; url?: string }, channel: WhatsAppTwilioChannel, client: TwilioClient): Promise<FetchedMedia> {
  if (!ref.url) throw new ProviderRequestError('media_missing', 'Twilio media is fetched by its URL; none was given', 'final');
  const authorization = `Basic ${Buffer.from(`${channel.settings.accountSid}:${channel.secrets.authToken}`).toString('base64')}`;
  try {
    return await download(client.http, ref.url, authorization, MAX_REDIRECTS);
  } catch (err) {
    throw toTwilioRequestError(err, 'Media download');
  }
}

async function download(http: AxiosInstance, url: string, authorization: string, redirectsLeft: number): Promise<FetchedMedia> {
  const res = await http.get<ArrayBuffer>(url, {
    headers: isTwilioHost(http, url) ? { Authorization: authorization } : {},
    responseType: 'arraybuffer',
    timeout: MEDIA_TIMEOUT_MS,
    maxContentLength: DOWNLOAD_MAX_BYTES,
    maxRedirects: 0,
    validateStatus: (status) => status >= 200 && status < 400,
  });
  if (res.status >= 300) {
    const location: unknown = res.headers.location;
    if (typeof location !== 'string' || location === '') {
      throw new ProviderRequestError('invalid_response', `Media download: HTTP ${res.status} without a Location`, 'retry');
    }
    if (redirectsLeft === 0) throw new ProviderRequestError('too_many_redirects', 'Media download: too many redirects', 'final');
    return download(http, new URL(location, url).href, authorization, redirectsLeft - 1);
  }
  const served: unknown = res.headers['content-type'];
  return {
    data: Buffer.from(res.data),
    mimeType: typeof served === 'string' && served.trim() !== '' ? served.split(';')[0]!.trim() : 'application/octet-stream',
  };
}

/** Twilio's API over https, or whatever host `http` was pointed at (a stand-in in tests). */
function isTwilioHost(http: AxiosInstance, url: string): boolean {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  const base = http.defaults.baseURL;
  if (base && new URL(base).origin === target.origin) return true;
  return target.protocol === 'https:' && TWILIO_API_HOST.test(target.hostname);
}
