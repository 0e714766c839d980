import type { AxiosInstance } from 'axios';
import { defineConnector, type Connector, type HttpReply } from '../contract.js';
import { answerHandshake, verifySignature } from '../meta/signature.js';
import { MESSENGER_CAPABILITIES, windowRuleOf } from './capabilities.js';
import { moveThreadControl } from './handover.js';
import { fetchMedia } from './media.js';
import { parseWebhook } from './parse.js';
import { sendMessage } from './send.js';
import { secretsSchema, settingsSchema } from './settings.js';

export type { MessengerSecrets, MessengerSettings } from './settings.js';

/** What Meta's examples answer; Meta only looks at the 200. */
const ACK_REPLY: HttpReply = { status: 200, contentType: 'text/plain', body: 'EVENT_RECEIVED' };

/**
 * Facebook Messenger through Meta's Messenger Platform (one channel per Page). `http` has the
 * Graph host as baseURL (tests point it at a stand-in); `graphVersion` is the path prefix,
 * e.g. v23.0. The webhook handshake and signature are Meta's, the same as WhatsApp's.
 */
export function createMessengerConnector(opts: { http: AxiosInstance; graphVersion: string }): Connector {
  return defineConnector({
    type: 'messenger',
    capabilities: MESSENGER_CAPABILITIES,
    settingsSchema,
    secretsSchema,
    client: { http: opts.http, version: opts.graphVersion },
    accountIdOf: (channel) => channel.settings.pageId,
    handshake: answerHandshake,
    verify: verifySignature,
    ackReply: ACK_REPLY,
    windowRuleOf,
    parse: parseWebhook,
    send: sendMessage,
    fetchMedia,
    moveThreadControl,
  });
}
