import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';

/** Where a queued conversation stands in its queue, as the API shows it (`queuePosition`). */
export class QueuePosition {
  constructor(private readonly deps: { store: Store }) {}

  /** 1-based place among the queued conversations of its queue, oldest first; null unless queued. */
  async of(c: ConversationDoc): Promise<number | null> {
    if (c.status !== 'queued' || !c.queueId) return null;
    const ahead = await this.deps.store.conversations.countDocuments({
      workspaceId: c.workspaceId,
      queueId: c.queueId,
      status: 'queued',
      $or: [{ createdAt: { $lt: c.createdAt } }, { createdAt: c.createdAt, _id: { $lt: c._id } }],
    });
    return ahead + 1;
  }
}
