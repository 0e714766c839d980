import type { KnowledgeSnippet } from '../store/models/ai-agent-config.js';

/** Who wrote a line of the history the backend reads. */
export type HistoryRole = 'customer' | 'ai_agent' | 'agent' | 'business';

/** Everything a backend is given to answer one customer message. */
export interface ReplyContext {
  workspaceId: string;
  conversationId: string;
  channelType: string;
  /** The customer message to answer: its id doubles as the idempotency key of the answer. */
  messageId: string;
  /** The conversation's latest messages, oldest first, ending with the one to answer. */
  history: { role: HistoryRole; text: string; at: string }[];
  instructions: string;
  knowledge: KnowledgeSnippet[];
}

/**
 * What a backend answers: a reply to send, a handoff to people (with its note), or nothing now
 * (the webhook bot answers later, through the API).
 */
export type BackendAnswer = { text: string } | { handoff: string } | { later: true };

/** One way of producing the AI agent's answers. A throw is a failure: retried with backoff, then a handoff. */
export interface AiBackend {
  reply(context: ReplyContext): Promise<BackendAnswer>;
}
