import { z } from 'zod';
import type { FeedEntry } from '../live-feed/entry.js';

/** More than an agent's screen needs; bounds what one connection can make this process hold. */
export const MAX_SUBSCRIPTIONS = 500;

const objectId = z.string().regex(/^[0-9a-f]{24}$/, 'must be an id');

const target = {
  conversationId: objectId.optional(),
  queueId: objectId.optional(),
  all: z.literal(true).optional(),
};
const exactlyOne = (t: { conversationId?: string; queueId?: string; all?: true }) =>
  [t.conversationId, t.queueId, t.all].filter((v) => v !== undefined).length === 1;
const oneTarget = { message: 'give exactly one of conversationId, queueId or all: true' };

/** A subscription as the client names it: one conversation, one queue, or everything. */
export const subscriptionTarget = z.strictObject(target).refine(exactlyOne, oneTarget);
export type SubscriptionTarget = z.infer<typeof subscriptionTarget>;

/** Frames a client may send; anything else gets an error frame and the connection stays. */
export const clientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), ...target }).refine(exactlyOne, oneTarget),
  z.strictObject({ type: z.literal('unsubscribe'), ...target }).refine(exactlyOne, oneTarget),
  z.strictObject({ type: z.literal('typing'), conversationId: objectId }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof clientMessage>;

/** What one connection watches; an entry matches by its conversation, its queue, or `all`. */
export class Subscriptions {
  private all = false;
  private readonly conversations = new Set<string>();
  private readonly queues = new Set<string>();

  get size(): number {
    return this.conversations.size + this.queues.size + (this.all ? 1 : 0);
  }

  add(t: SubscriptionTarget): void {
    if (t.all) this.all = true;
    if (t.conversationId) this.conversations.add(t.conversationId);
    if (t.queueId) this.queues.add(t.queueId);
  }

  remove(t: SubscriptionTarget): void {
    if (t.all) this.all = false;
    if (t.conversationId) this.conversations.delete(t.conversationId);
    if (t.queueId) this.queues.delete(t.queueId);
  }

  matches(entry: FeedEntry): boolean {
    return (
      this.all ||
      (entry.conversationId !== undefined && this.conversations.has(entry.conversationId)) ||
      (entry.queueId !== undefined && this.queues.has(entry.queueId))
    );
  }
}
