import type { ThreadControlMove } from '../contract.js';
import { bearer, graphPath, REQUEST_TIMEOUT_MS, type GraphClient } from '../meta/graph.js';
import type { MessengerChannel } from './settings.js';

/**
 * The handover protocol's Graph calls (Messenger Platform, Graph API v23.0): to people,
 * `POST /<page id>/pass_thread_control {recipient: {id}, target_app_id, metadata}` hands the
 * thread to the Page's `handoverAppId`; back to the AI agent, `POST /<page id>/take_thread_control
 * {recipient: {id}, metadata}` takes it (allowed while the thread is idle or to the Primary
 * Receiver). Without `handoverAppId` people answer through Omnigate itself: nothing moves.
 * Meta's refusals are thrown as they come (axios errors).
 */
export async function moveThreadControl(move: ThreadControlMove, channel: MessengerChannel, client: GraphClient): Promise<void> {
  const { pageId, handoverAppId } = channel.settings;
  if (!handoverAppId) return;
  const recipient = { id: move.recipient };
  const metadata = move.metadata?.slice(0, 1000);
  const [edge, body] =
    move.to === 'people'
      ? ['pass_thread_control', { recipient, target_app_id: handoverAppId, ...(metadata && { metadata }) }]
      : ['take_thread_control', { recipient, ...(metadata && { metadata }) }];
  await client.http.post(graphPath(client, pageId, edge), body, { headers: bearer(channel.secrets.pageAccessToken), timeout: REQUEST_TIMEOUT_MS });
}
