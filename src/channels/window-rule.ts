import type { Connector } from '../../connectors/contract.js';
import type { WindowRule } from '../domain/channel.js';

/** The window rule of one channel: the connector's per-channel rule, or its capabilities'. */
export function windowRuleOf(connector: Connector, settings: Record<string, unknown>): WindowRule | null {
  return connector.windowRuleOf ? connector.windowRuleOf({ settings }) : connector.capabilities.window;
}
