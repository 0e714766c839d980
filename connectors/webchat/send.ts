import { randomUUID } from 'node:crypto';
import type { SendResult } from '../contract.js';

/**
 * The gateway is the provider: a reply is sent once it is stored, and the visitor's feed carries
 * it to the browser (message.sent on the live feed). Delivered and read come back from the
 * visitor's browser as receipts. The id only has to be unique on the channel.
 */
export function sendToVisitor(): Promise<SendResult> {
  return Promise.resolve({ providerMessageId: `wc_${randomUUID()}` });
}
