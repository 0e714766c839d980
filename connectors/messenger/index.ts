import type { AxiosInstance } from 'axios';
import type { Connector, HttpReply } from '../contract.js';
import type { GraphClient } from '../meta/graph.js';
import { answerHandshake, headerValue, verifySignature } from '../meta/signature.js';
import { MESSENGER_CAPABILITIES, windowRuleOf } from './capabilities.js';
import { fetchMedia } from './media.js';
import { parseWebhook } from './parse.js';
import { sendMessage } from './send.js';
import { secretsSchema, settingsSchema, type MessengerSecrets, type MessengerSettings } from './settings.js';

export type { MessengerSecrets, MessengerSettings } from './settings.js';

/** What Meta's examples answer; Meta only looks at the 200. */
const ACK_REPLY: HttpReply = { status: 200, contentType: 'text/plain', body: 'EVENT_RECEIVED' };

/**
 * Facebook Messenger through Meta's Messenger Platform (one channel per Page). `http` has the
 * Graph host as baseURL (tests point it at a stand-in); `graphVersion` is the path prefix,
 * e.g. v23.0. The webhook handshake and signature are Meta's, the same as WhatsApp's.
 */
export function createMessengerConnector(opts: { http: AxiosInstance; graphVersion: string }): Connector<MessengerSettings, MessengerSecrets> {
  const graph: GraphClient = { http: opts.http, version: opts.graphVersion };
  return {
    type: 'messenger',
    capabilities: MESSENGER_CAPABILITIES,
    settingsSchema,
    secretsSchema,
    accountIdOf: (channel) => channel.settings.pageId,
    handshake: (req, channel) => answerHandshake(req.query, channel.secrets.verifyToken),
    verify: (req, channel) => verifySignature(req.rawBody, headerValue(req.headers, 'x-hub-signature-256'), channel.secrets.appSecret),
    ackReply: ACK_REPLY,
    windowRuleOf: (channel) => windowRuleOf(channel.settings),
    parse: (req) => parseWebhook(req.rawBody),
    send: (message, channel) => sendMessage(graph, message, channel),
    fetchMedia: (ref) => fetchMedia(graph, ref),
  };
}
