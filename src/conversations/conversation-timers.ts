import type { Clock } from '../clock.js';
import { TIMER_KINDS, timerFor, type LifecycleSettings, type TimerKind } from '../domain/lifecycle.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import { isConnectionError } from '../redis/connections.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import { lifecycleSettingsOf } from '../store/models/workspace.js';
import type { WorkspaceSettings } from '../workspaces/workspace-settings.js';

export interface TimerJobData {
  conversationId: string;
  workspaceId: string;
  kind: TimerKind;
  /** The conversation's lifecycleVersion when the timer was scheduled. */
  version: number;
}

/** Job ids never contain ':' (BullMQ uses it in its keys). */
export const timerJobId = (conversationId: string, kind: TimerKind, version: number) => `timer-${conversationId}-${kind}-${version}`;
/** The one slot a conversation's timer lives in (its BullMQ deduplication id). */
const timerSlotOf = (conversationId: string) => `timer-${conversationId}`;

/** A job of the `timers` queue that is a conversation's lifecycle timer (the queue carries other kinds too). */
export function isConversationTimer(data: { kind: string }): data is TimerJobData {
  return (TIMER_KINDS as readonly string[]).includes(data.kind);
}

/**
 * The lifecycle timer of each conversation (src/domain/lifecycle.ts timerFor says which and
 * when), kept as delayed jobs on the `timers` queue; a due one is LifecycleService.fireTimer's.
 */
export class ConversationTimers {
  constructor(private readonly deps: { store: Store; queues: Queues; clock: Clock; logger: Logger; workspaceSettings: WorkspaceSettings }) {}

  /**
   * Replaces the conversation's timer with the one of its current status and version, in one
   * round trip: the timer lives in one slot per conversation (a BullMQ deduplication id in
   * replace mode), so adding it removes the one it replaces; one that is running just then is
   * followed by the new one when it ends. A timer that escapes (older) finds the version moved on
   * and does nothing. Used by start-up recovery too: scheduling a conversation's timer again puts
   * back the same job. While Redis is away the change stands: the conversation is marked as owed
   * its timer, which the minute's sweep (scheduleOwed) schedules once Redis is back.
   */
  async schedule(c: ConversationDoc, settings?: LifecycleSettings): Promise<void> {
    const id = String(c._id);
    const timer = timerFor(c, settings ?? lifecycleSettingsOf(await this.deps.workspaceSettings.of(c.workspaceId)));
    if (!timer) return this.cancel(id);
    const data: TimerJobData = { conversationId: id, workspaceId: String(c.workspaceId), kind: timer.kind, version: c.lifecycleVersion };
    try {
      await this.deps.queues.timers.add(timer.kind, data, {
        jobId: timerJobId(id, timer.kind, c.lifecycleVersion),
        delay: Math.max(0, timer.at.getTime() - this.deps.clock.now().getTime()),
        deduplication: { id: timerSlotOf(id), replace: true, keepLastIfActive: true },
      });
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      await this.deps.store.conversations.updateOne({ _id: c._id }, { $set: { timerOwed: true } });
    }
  }

  /** The timers changes made while Redis was away could not schedule; how many. */
  async scheduleOwed(): Promise<number> {
    const { store } = this.deps;
    let scheduled = 0;
    for await (const c of store.conversations.find({ timerOwed: true }).lean().cursor()) {
      // Cleared first: a failure now marks it owed again.
      await store.conversations.updateOne({ _id: c._id }, { $unset: { timerOwed: '' } });
      await this.schedule(c);
      scheduled++;
    }
    return scheduled;
  }

  /**
   * Removes the conversation's waiting timer: its status has none now, or it is being deleted.
   * While Redis is away it stays: when due it finds the conversation's version moved on and does nothing.
   */
  async cancel(conversationId: string): Promise<void> {
    const { queues, logger } = this.deps;
    const jobId = await queues.timers.getDeduplicationJobId(timerSlotOf(conversationId)).catch((err: unknown) => {
      if (!isConnectionError(err)) throw err;
      return undefined;
    });
    if (!jobId) return;
    await queues.timers.remove(jobId).catch((err: unknown) => {
      // Running now: it finds the conversation changed and does nothing.
      logger.debug({ err, conversationId }, 'timer not removed');
    });
  }
}
