import type { AppContext } from './context.js';
import { isConversationTimer, type TimerJobData } from '../conversations/conversation-timers.js';
import { RECONCILE_TIMER } from '../routing/assignment-service.js';
import { OVERFLOW_TIMER, type OverflowJobData } from '../routing/overflow.js';
import { RECOVERY_SWEEP, requeueStaleWork } from './recovery.js';
import { RETENTION_SWEEP } from '../retention/retention-sweep.js';
import { ENDPOINT_PROBE } from '../webhooks/endpoint-probe.js';

/** What the `timers` queue carries: conversations' lifecycle timers, queue overflow and the repeatable sweeps. */
export type TimersJobData = TimerJobData | OverflowJobData | { kind: typeof RECONCILE_TIMER | typeof RECOVERY_SWEEP | typeof RETENTION_SWEEP | typeof ENDPOINT_PROBE };

/** A due job of the `timers` queue, handed to the service its kind belongs to. */
export async function runTimer(ctx: AppContext, data: TimersJobData): Promise<void> {
  if (isConversationTimer(data)) return ctx.lifecycle.fireTimer(data);
  switch (data.kind) {
    case OVERFLOW_TIMER:
      return ctx.transfers.overflow(data);
    case RECONCILE_TIMER:
      await ctx.assignment.reconcileSlots();
      return;
    // The minute's sweep of stale work (scheduled by recoverPendingWork) runs in whichever worker takes it.
    case RECOVERY_SWEEP:
      await requeueStaleWork(ctx);
      return;
    case RETENTION_SWEEP:
      await ctx.retention.purge();
      return;
    case ENDPOINT_PROBE:
      await ctx.endpointProbe.probeFailing();
      return;
  }
  throw new Error(`no handler for timer jobs of kind ${(data as { kind: string }).kind}`);
}
