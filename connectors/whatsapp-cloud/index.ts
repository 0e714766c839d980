import type { AxiosInstance } from 'axios';
import type { Connector, HttpReply } from '../contract.js';
import { WHATSAPP_CLOUD_CAPABILITIES } from './capabilities.js';
import type { GraphClient } from '../meta/graph.js';
import { fetchMedia } from './media.js';
import { parseWebhook } from './parse.js';
import { sendMessage } from './send.js';
import { secretsSchema, settingsSchema, type WhatsAppCloudSecrets, type WhatsAppCloudSettings } from './settings.js';
import { answerHandshake, headerValue, verifySignature } from '../meta/signature.js';
import { deleteTemplate, listTemplates, submitTemplate } from './templates.js';

export type { WhatsAppCloudSecrets, WhatsAppCloudSettings } from './settings.js';

const ACK_REPLY: HttpReply = { status: 200, contentType: 'application/json', body: '{"received":true}' };

/**
 * WhatsApp through Meta's Cloud API. `http` has the Graph host as baseURL (tests point it at a
 * stand-in); `graphVersion` is the path prefix, e.g. v23.0.
 */
export function createWhatsAppCloudConnector(opts: {
  http: AxiosInstance;
  graphVersion: string;
}): Connector<WhatsAppCloudSettings, WhatsAppCloudSecrets> {
  const graph: GraphClient = { http: opts.http, version: opts.graphVersion };
  return {
    type: 'whatsapp-cloud',
    capabilities: WHATSAPP_CLOUD_CAPABILITIES,
    settingsSchema,
    secretsSchema,
    accountIdOf: (channel) => channel.settings.phoneNumberId,
    accountAliasesOf: (channel) => [channel.settings.wabaId],
    handshake: (req, channel) => answerHandshake(req.query, channel.secrets.verifyToken),
    verify: (req, channel) => verifySignature(req.rawBody, headerValue(req.headers, 'x-hub-signature-256'), channel.secrets.appSecret),
    ackReply: ACK_REPLY,
    parse: (req) => parseWebhook(req.rawBody),
    send: (message, channel) => sendMessage(graph, message, channel),
    fetchMedia: (ref, channel) => fetchMedia(graph, ref, channel.secrets.accessToken),
    listTemplates: (channel) => listTemplates(graph, channel.settings.wabaId, channel.secrets.accessToken),
    submitTemplate: (template, channel) => submitTemplate(graph, channel.settings.wabaId, channel.secrets.accessToken, template),
    deleteTemplate: (template, channel) => deleteTemplate(graph, channel.settings.wabaId, channel.secrets.accessToken, template),
  };
}
