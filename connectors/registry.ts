import type { AxiosInstance } from 'axios';
import type { Connector } from './contract.js';
import { createEmailConnector } from './email/index.js';
import { createMessengerConnector } from './messenger/index.js';
import { createWebchatConnector } from './webchat/index.js';
import { createWhatsAppCloudConnector } from './whatsapp-cloud/index.js';
import { createWhatsAppTwilioConnector } from './whatsapp-twilio/index.js';

/** What a connector factory may draw on: given by the process that wires it (src/app). */
export interface ConnectorEnvironment {
  graphApiBaseUrl: string;
  graphApiVersion: string;
  twilioApiBaseUrl: string;
  /** A problem worth an operator's attention that does not stop the work (an unreadable part of a mail). */
  warn(message: string, err: unknown): void;
  /** An HTTP client for one provider API, with sane timeouts. */
  httpFor(baseURL: string): AxiosInstance;
}

/** One line per channel type: adding a channel is a folder under connectors/ and a line here. */
const FACTORIES: Record<string, (env: ConnectorEnvironment) => Connector> = {
  'whatsapp-cloud': (env) => createWhatsAppCloudConnector({ http: env.httpFor(env.graphApiBaseUrl), graphVersion: env.graphApiVersion }),
  'whatsapp-twilio': (env) => createWhatsAppTwilioConnector({ http: env.httpFor(env.twilioApiBaseUrl) }),
  email: (env) => createEmailConnector({ onWarning: (message, err) => env.warn(message, err) }),
  messenger: (env) => createMessengerConnector({ http: env.httpFor(env.graphApiBaseUrl), graphVersion: env.graphApiVersion }),
  webchat: () => createWebchatConnector(),
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
