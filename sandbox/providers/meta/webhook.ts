import { createHmac } from 'node:crypto';
import type { GatewayPoster } from '../../gateway-poster.js';
import type { GatewayAnswer } from '../../view.js';

/** Meta writes JSON with every non-ASCII character escaped as \uXXXX; the signature covers those bytes. */
export function metaJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `sha256=<hex HMAC-SHA256 of the body with the app secret>`, as in X-Hub-Signature-256. */
export function metaSignature(body: string | Buffer, appSecret: string, algorithm: 'sha256' | 'sha1' = 'sha256'): string {
  return `${algorithm}=${createHmac(algorithm, appSecret).update(body).digest('hex')}`;
}

/** A webhook as Meta delivers it: JSON signed with the app's secret (also the legacy SHA-1 header). */
export function postMetaWebhook(poster: GatewayPoster, webhookUrl: string | undefined, payload: unknown, appSecret: string): Promise<GatewayAnswer> {
  if (!webhookUrl) return Promise.resolve({ error: 'no webhook URL: connect the account to the gateway first' });
  const body = metaJson(payload);
  return poster.post(webhookUrl, body, {
    'content-type': 'application/json',
    'user-agent': 'facebookexternalua',
    'x-hub-signature': metaSignature(body, appSecret, 'sha1'),
    'x-hub-signature-256': metaSignature(body, appSecret),
  });
}
