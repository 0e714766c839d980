import type { Clock } from '../clock.js';
import type { Queues } from '../jobs/queues.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import type { QueueDoc } from '../store/models/queue.js';
import { OVERFLOW_TIMER, overflowJobId, overflowTimer } from './overflow.js';

/**
 * Sets the overflow timer of a conversation waiting in a queue (overflow.ts says when); what a due
 * one does is ConversationTransfers.overflow's.
 */
export class OverflowTimers {
  constructor(private readonly deps: { queues: Queues; clock: Clock }) {}

  /**
   * Adds the timer of a queued conversation if its queue has one. Used by routing and by start-up
   * recovery: the job id is deterministic, so a timer still waiting is not doubled.
   */
  async schedule(c: ConversationDoc, queue: QueueDoc | null): Promise<void> {
    const { queues, clock } = this.deps;
    const timer = queue && overflowTimer(c, queue);
    if (!timer) return;
    await queues.timers.add(OVERFLOW_TIMER, timer.data, { jobId: overflowJobId(timer.data), delay: Math.max(0, timer.at.getTime() - clock.now().getTime()) });
  }
}
