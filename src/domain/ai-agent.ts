/**
 * The AI agent's rules, pure: when a customer asks for a person, when automatic replies loop, and
 * why a conversation went from the AI agent to people.
 */

/** Why the AI agent stopped answering a conversation and handed it to people. */
export const HANDOFF_REASONS = [
  /** The model called its handoff tool, or the webhook bot asked through the API. */
  'bot_requested',
  /** The customer asked for a person ("agent", "human" or a configured phrase). */
  'customer_asked',
  /** The backend timed out or failed through every retry. */
  'backend_failed',
  /** The send policy refused the reply (a closed window, say): people decide, nothing is retried. */
  'send_refused',
  /** More automatic replies in the last hour than the workspace allows. */
  'rate_limited',
  /** The customer's side repeats itself or our replies (another bot answering ours). */
  'loop_detected',
  /** Someone turned Agent replies off. */
  'switched_off',
  /** An agent accepted, was assigned or replied. */
  'agent_took_over',
] as const;
export type HandoffReason = (typeof HANDOFF_REASONS)[number];

/** Asking for one of these, as a word of its own, is asking for a person. */
export const DEFAULT_HANDOFF_PHRASES = ['agent', 'human'] as const;

/** Lower case, accents and punctuation away, single spaces: "¡Un  HUMANO, por favor!" → "un humano por favor". */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** True when the text holds one of the phrases as whole words (any language the phrases are in). */
export function asksForPerson(text: string, phrases: readonly string[]): boolean {
  const words = ` ${normalizeText(text)} `;
  return phrases.some((phrase) => {
    const wanted = normalizeText(phrase);
    return wanted.length > 0 && words.includes(` ${wanted} `);
  });
}

/** One message of the recent history, as the loop check reads it. */
export interface HistoryLine {
  from: 'customer' | 'ai_agent' | 'other';
  text: string;
}

/** How many identical customer messages in a row make a loop. */
const REPEATS = 3;

/**
 * A loop: the customer's side sends back one of the AI agent's recent replies word for word (an
 * auto-responder answering ours), or the same message several times in a row, each answered.
 * `history` is oldest first and ends with the message to answer.
 */
export function looksLikeLoop(history: readonly HistoryLine[]): boolean {
  const last = history.at(-1);
  if (!last || last.from !== 'customer') return false;
  const text = normalizeText(last.text);
  if (text.length === 0) return false;
  const ours = history.filter((line) => line.from === 'ai_agent').slice(-3);
  if (ours.some((line) => normalizeText(line.text) === text)) return true;
  const customer = history.filter((line) => line.from === 'customer').slice(-REPEATS);
  return customer.length === REPEATS && customer.every((line) => normalizeText(line.text) === text);
}

/** Who ended Agent replies: a person, the webhook bot (an automation key), the customer's words, or the AI agent itself. */
export const HANDOFF_ACTORS = ['agent', 'automation', 'customer', 'ai_agent'] as const;
export type HandoffActor = (typeof HANDOFF_ACTORS)[number];
