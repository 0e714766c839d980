import type { AxiosInstance } from 'axios';
import { defineConnector, type Connector, type HttpReply } from '../contract.js';
import { WHATSAPP_CLOUD_CAPABILITIES } from './capabilities.js';
import { fetchMedia } from './media.js';
import { parseWebhook } from './parse.js';
import { sendMessage } from './send.js';
import { secretsSchema, settingsSchema } from './settings.js';
import { answerHandshake, verifySignature } from '../meta/signature.js';
import { deleteTemplate, listTemplates, submitTemplate } from './templates.js';

export type { WhatsAppCloudSecrets, WhatsAppCloudSettings } from './settings.js';

const ACK_REPLY: HttpReply = { status: 200, contentType: 'application/json', body: '{"received":true}' };

/**
 * WhatsApp through Meta's Cloud API. `http` has the Graph host as baseURL (tests point it at a
 * stand-in); `graphVersion` is the path prefix, e.g. v23.0.
 */
export function createWhatsAppCloudConnector(opts: { http: AxiosInstance; graphVersion: string }): Connector {
  return defineConnector({
    type: 'whatsapp-cloud',
    capabilities: WHATSAPP_CLOUD_CAPABILITIES,
    settingsSchema,
    secretsSchema,
    client: { http: opts.http, version: opts.graphVersion },
    accountIdOf: (channel) => channel.settings.phoneNumberId,
    accountAliasesOf: (channel) => [channel.settings.wabaId],
    handshake: answerHandshake,
    verify: verifySignature,
    ackReply: ACK_REPLY,
    parse: parseWebhook,
    send: sendMessage,
    fetchMedia,
    listTemplates,
    submitTemplate,
    deleteTemplate,
  });
}
