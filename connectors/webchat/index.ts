import { defineConnector, type Connector, type HttpReply } from '../contract.js';
import { WEBCHAT_CAPABILITIES } from './capabilities.js';
import { fetchMedia } from './media.js';
import { parseVisitorEvent } from './parse.js';
import { sendToVisitor } from './send.js';
import { secretsSchema, settingsSchema } from './settings.js';
import { verifyVisitorEvent } from './verify.js';

export type { WebchatChannel, WebchatSecrets, WebchatSettings } from './settings.js';

/** The visitor API answers for itself (src/webchat); this is what the recorded step says. */
const ACK_REPLY: HttpReply = { status: 202, contentType: 'application/json', body: '{"recorded":true}' };

/**
 * The website chat widget: the gateway plays the provider. Visitors' requests come through the
 * visitor API, which records them as this connector's events (`visitor-event.ts`) and hands
 * them to the same receiver as provider webhooks; replies reach the visitor over its WebSocket.
 */
export function createWebchatConnector(): Connector {
  return defineConnector({
    type: 'webchat',
    capabilities: WEBCHAT_CAPABILITIES,
    settingsSchema,
    secretsSchema,
    client: undefined,
    accountIdOf: (channel) => channel.settings.widgetId,
    verify: verifyVisitorEvent,
    ackReply: ACK_REPLY,
    parse: parseVisitorEvent,
    send: sendToVisitor,
    fetchMedia,
  });
}
