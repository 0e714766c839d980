import type { FetchedMedia } from '../contract.js';
import type { AxiosInstance } from 'axios';

/** The Graph API as the connector calls it: an axios instance whose baseURL is the Graph host. */
export interface GraphClient {
  http: AxiosInstance;
  /** e.g. v23.0 */
  version: string;
}

export const REQUEST_TIMEOUT_MS = 15_000;
/** Uploads and downloads move up to 100 MB, which 15 s cannot carry on a slow link. */
export const MEDIA_TIMEOUT_MS = 120_000;

/** `/<version>/<segment>/...`, each segment escaped since ids come from settings and payloads. */
export function graphPath(client: GraphClient, ...segments: string[]): string {
  return `/${client.version}/${segments.map(encodeURIComponent).join('/')}`;
}

export function bearer(accessToken: string): { Authorization: string } {
  return { Authorization: `Bearer ${accessToken}` };
}

/**
 * Downloads a file Meta serves (a media URL from the Graph API or a webhook), within a size cap;
 * the token goes along only when given. The type is the one Meta declared, else the served one.
 */
export async function downloadMedia(
  client: GraphClient,
  url: string,
  opts: { accessToken?: string; mimeType?: string; maxBytes: number },
): Promise<FetchedMedia> {
  const res = await client.http.get<ArrayBuffer>(url, {
    headers: opts.accessToken ? bearer(opts.accessToken) : {},
    responseType: 'arraybuffer',
    timeout: MEDIA_TIMEOUT_MS,
    maxContentLength: opts.maxBytes,
  });
  const served = res.headers['content-type'];
  const servedType = typeof served === 'string' && served.trim() !== '' ? served.split(';')[0]!.trim() : undefined;
  return { data: Buffer.from(res.data), mimeType: opts.mimeType ?? servedType ?? 'application/octet-stream' };
}
