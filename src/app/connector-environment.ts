import axios from 'axios';
import type { Config } from '../../config/schema.js';
import type { ConnectorEnvironment } from '../../connectors/registry.js';
import type { Logger } from '../logger.js';

/** What the connectors draw on in a real process (the gateway, the CLI): the configured provider APIs. */
export function connectorEnvironmentOf(config: Config, logger: Logger): ConnectorEnvironment {
  return {
    graphApiBaseUrl: config.GRAPH_API_BASE_URL,
    graphApiVersion: config.GRAPH_API_VERSION,
    twilioApiBaseUrl: config.TWILIO_API_BASE_URL,
    warn: (message, err) => logger.warn({ err }, message),
    httpFor: (baseURL) => axios.create({ baseURL, timeout: 15_000 }),
  };
}
