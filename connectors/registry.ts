import axios, { type AxiosInstance } from 'axios';
import type { Config } from '../config/schema.js';
import type { Logger } from '../src/logger.js';
import type { Connector } from './contract.js';
import { createEmailConnector } from './email/index.js';
import { createMessengerConnector } from './messenger/index.js';
import { createWhatsAppCloudConnector } from './whatsapp-cloud/index.js';
import { createWhatsAppTwilioConnector } from './whatsapp-twilio/index.js';

/** What a connector factory may draw on. */
export interface ConnectorEnvironment {
  config: Config;
  logger: Logger;
  /** An HTTP client for one provider API, with sane timeouts. */
  httpFor(baseURL: string): AxiosInstance;
}

/**
 * One line per channel type: adding a channel is a folder under connectors/ and a line here.
 * Each connector is typed by its own settings; the core sees them as validated records.
 */
const FACTORIES: Record<string, (env: ConnectorEnvironment) => Connector> = {
  'whatsapp-cloud': (env) =>
    createWhatsAppCloudConnector({ http: env.httpFor(env.config.GRAPH_API_BASE_URL), graphVersion: env.config.GRAPH_API_VERSION }) as unknown as Connector,
  'whatsapp-twilio': (env) => createWhatsAppTwilioConnector({ http: env.httpFor(env.config.TWILIO_API_BASE_URL) }) as unknown as Connector,
  email: (env) => createEmailConnector({ onWarning: (message, err) => env.logger.warn({ err }, message) }) as unknown as Connector,
  messenger: (env) =>
    createMessengerConnector({ http: env.httpFor(env.config.GRAPH_API_BASE_URL), graphVersion: env.config.GRAPH_API_VERSION }) as unknown as Connector,
};

export class ConnectorRegistry {
  private readonly connectors = new Map<string, Connector>();

  constructor(env: ConnectorEnvironment) {
    for (const [type, make] of Object.entries(FACTORIES)) this.connectors.set(type, make(env));
  }

  get(type: string): Connector | undefined {
    return this.connectors.get(type);
  }

  types(): string[] {
    return [...this.connectors.keys()];
  }
}

export function defaultConnectorEnvironment(config: Config, logger: Logger): ConnectorEnvironment {
  return { config, logger, httpFor: (baseURL) => axios.create({ baseURL, timeout: 15_000 }) };
}
