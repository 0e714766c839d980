import type { IncomingMessage } from 'node:http';
import { keyFromHeaders } from '../security/api-key.js';

/** The subprotocol a browser offers alongside `bearer.<key>`; the server answers with it. */
export const REALTIME_PROTOCOL = 'omnigate.v1';
const KEY_PROTOCOL = 'bearer.';

/**
 * The API key of an upgrade request: the Authorization (or X-API-Key) header like the REST API,
 * or, since browsers cannot set headers on a WebSocket, a `bearer.<key>` subprotocol or a `key`
 * query parameter (which proxies may log: prefer the subprotocol).
 */
export function presentedKey(req: IncomingMessage, url: URL): string | undefined {
  const fromHeaders = keyFromHeaders(req.headers);
  if (fromHeaders) return fromHeaders;
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const fromProtocol = offered.find((p) => p.startsWith(KEY_PROTOCOL));
  if (fromProtocol) return fromProtocol.slice(KEY_PROTOCOL.length);
  return url.searchParams.get('key') ?? undefined;
}
