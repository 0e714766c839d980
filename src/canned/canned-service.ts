import type { Types } from 'mongoose';
import { notFound, unprocessable } from '../errors.js';
import type { MessageSender, SendService } from '../outbound/send-service.js';
import type { Store } from '../store/index.js';
import type { MessageDoc } from '../store/models/message.js';
import { renderCanned, type CannedValues } from './render.js';

/**
 * Sends a canned response into a conversation: rendered with the conversation's contact, the
 * agent behind the caller's API key and the workspace, then handed to the send service as a
 * text message, so the same policy point (window rules) decides whether it may go out.
 */
export async function sendCanned(
  ctx: { store: Store; sender: SendService },
  workspaceId: Types.ObjectId,
  conversationId: string,
  shortcut: string,
  sender: MessageSender,
): Promise<MessageDoc> {
  const { store } = ctx;
  const canned = await store.cannedResponses.findOne({ workspaceId, shortcut }).lean();
  if (!canned) throw notFound('Canned response');
  const conversation = await store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
  if (!conversation) throw notFound('Conversation');
  const [contact, agent, workspace] = await Promise.all([
    store.contacts.findOne({ _id: conversation.contactId, workspaceId }).lean(),
    // A key linked to no agent (admin, automation) simply has no agent.name to offer.
    store.agents.findOne({ apiKeyId: sender.keyId, workspaceId }).lean(),
    store.workspaces.findById(workspaceId).lean(),
  ]);
  const values: CannedValues = {
    'contact.name': contact?.name,
    'contact.email': contact?.email,
    'contact.phone': contact?.phone,
    'agent.name': agent?.name,
    'workspace.name': workspace?.name,
  };
  const rendered = renderCanned(canned.text, values);
  if (!rendered.ok) {
    const code = rendered.code === 'unknown_variable' ? 'canned_unknown_variable' : 'canned_variable_missing';
    const what = rendered.code === 'unknown_variable' ? 'uses unknown variables' : 'needs values this conversation lacks';
    throw unprocessable(code, `Canned response ${shortcut} ${what}: ${rendered.variables.join(', ')}`, { variables: rendered.variables });
  }
  return ctx.sender.send(workspaceId, conversationId, { content: { type: 'text', text: rendered.text } }, sender);
}
