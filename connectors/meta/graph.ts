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
