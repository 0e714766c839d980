import type { Types } from 'mongoose';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Clock } from '../clock.js';
import { isOpen, openThreadKey, type ConversationStatus } from '../domain/conversation.js';
import {
  allowedFrom,
  onCustomerMessage,
  TIMER_KINDS,
  timerFor,
  timerTarget,
  transition,
  type LifecycleSettings,
  type TimerKind,
  type TransitionError,
} from '../domain/lifecycle.js';
import { AppError, conflict, isDuplicateKeyError, notFound, unprocessable } from '../errors.js';
import type { NewEvent, Outbox } from '../events/outbox.js';
import { conversationToApi } from '../representation/public-records.js';
import type { Queues } from '../jobs/queues.js';
import type { Logger } from '../logger.js';
import type { SendService } from '../outbound/send-service.js';
import type { LoadHints } from '../routing/load-hints.js';
import { claimOnce, releaseClaim } from '../store/claim.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import { lifecycleSettingsOf } from '../store/models/workspace.js';
import type { WorkspaceSettings } from '../workspaces/workspace-settings.js';
import { emailThreadKey } from './thread-conversation.js';

/**
 * Who made a change. `routing` is the router assigning on its own (new or re-queued work, a
 * freed slot); routing done for an automation rule's action stays `automation`, whose effects
 * never trigger rules again.
 */
export type LifecycleActor = 'agent' | 'automation' | 'customer' | 'timer' | 'routing';

export interface ChangeStatusOptions {
  snoozeUntil?: Date;
  actor: LifecycleActor;
  /** Refuse (409 invalid_transition) unless the conversation is in this status: assignment takes queued ones only. */
  from?: ConversationStatus;
  /** Set in the same update as the status: the agent and the agent_slots record it takes. */
  assignment?: { assigneeId: Types.ObjectId; slotId: string };
  /**
   * The conversation as the caller has just read it, to start from instead of reading it again.
   * If it moved on meanwhile, the claim of its version fails and the retry reads it anew.
   */
  current?: ConversationDoc;
  /** More events of the same change (an assignment's), written with its status_changed in one insert. */
  alsoEmit?: (updated: ConversationDoc) => NewEvent[];
}

/** Ending states give the agent's slot back; the assignee stays as who handled the conversation. */
const ENDED: readonly ConversationStatus[] = ['resolved', 'closed', 'abandoned'];

export interface TimerJobData {
  conversationId: string;
  workspaceId: string;
  kind: TimerKind;
  /** The conversation's lifecycleVersion when the timer was scheduled. */
  version: number;
}

/** A job another service keeps on the `timers` queue (queue overflow, slot reconciliation): handed to it by kind. */
export interface DelegatedTimerData {
  kind: string;
}
type TimerHandler = (data: never) => Promise<unknown>;

/** Sends the closing message (src/outbound/send-service.ts); only its send is needed here. */
export type ClosingSender = Pick<SendService, 'send'>;

/** What became of the workspace's closing message when the auto-resolve timer resolved a conversation. */
export type ClosingOutcome = { sent: true; messageId: string } | { sent: false; code: string; message: string };

/** Job ids never contain ':' (BullMQ uses it in its keys). */
export const timerJobId = (conversationId: string, kind: TimerKind, version: number) => `timer-${conversationId}-${kind}-${version}`;
/** The one slot a conversation's timer lives in (its BullMQ deduplication id). */
const timerSlotOf = (conversationId: string) => `timer-${conversationId}`;

function toAppError(error: TransitionError): AppError {
  switch (error.code) {
    case 'invalid_transition':
      return conflict('invalid_transition', `A ${error.from} conversation cannot become ${error.to}`, error);
    case 'snooze_until_required':
      return unprocessable('snooze_until_required', 'snoozeUntil is required to snooze a conversation');
    case 'snooze_until_in_past':
      return unprocessable('snooze_until_in_past', 'snoozeUntil must be in the future', {
        snoozeUntil: error.snoozeUntil.toISOString(),
        now: error.now.toISOString(),
      });
  }
}

/**
 * Applies the lifecycle state machine (src/domain/lifecycle.ts) to stored conversations. Each
 * change is one conditional update on the status it was computed from, so of two concurrent
 * changes only one wins; it then emits `conversation.status_changed` and replaces the timers.
 */
export class LifecycleService {
  private readonly delegated = new Map<string, TimerHandler>();

  constructor(
    private readonly deps: {
      store: Store;
      queues: Queues;
      outbox: Outbox;
      clock: Clock;
      connectors: ConnectorRegistry;
      logger: Logger;
      /** Sends the workspace's closing message when the auto-resolve timer resolves. */
      sender: ClosingSender;
      /** Routing's load hints, told when a change frees a slot. */
      loads: LoadHints;
      workspaceSettings: WorkspaceSettings;
    },
  ) {}

  /**
   * Jobs of `kind` on the `timers` queue go to `handler` (the timers worker hands every job of the
   * queue to fireTimer). Their services register here when they are built.
   */
  delegateTimers<T extends DelegatedTimerData>(kind: string, handler: (data: T) => Promise<unknown>): void {
    this.delegated.set(kind, handler as TimerHandler);
  }

  async settingsOf(workspaceId: Types.ObjectId): Promise<LifecycleSettings> {
    return lifecycleSettingsOf(await this.deps.workspaceSettings.of(workspaceId));
  }

  /**
   * Moves a conversation to `to`. A change that loses a race is retried once on the re-read
   * conversation, where it usually is no longer allowed (409 invalid_transition).
   */
  async changeStatus(
    workspaceId: Types.ObjectId,
    conversationId: Types.ObjectId | string,
    to: ConversationStatus,
    opts: ChangeStatusOptions,
  ): Promise<ConversationDoc> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const given = attempt === 1 && opts.current?._id.equals(conversationId) && opts.current.workspaceId.equals(workspaceId) ? opts.current : null;
      const current = given ?? (await this.deps.store.conversations.findOne({ _id: conversationId, workspaceId }).lean());
      if (!current) throw notFound('Conversation');
      const updated = await this.apply(current, to, opts);
      if (updated) return updated;
    }
    const latest = await this.deps.store.conversations.findOne({ _id: conversationId, workspaceId }).lean();
    if (!latest) throw notFound('Conversation');
    throw toAppError({ code: 'invalid_transition', from: latest.status, to, allowed: allowedFrom(latest.status) });
  }

  /**
   * A customer's message reached `conversation` (after its activity was recorded): a snoozed one
   * wakes, an open one gets its inactivity timer replaced. Returns the conversation as it is now.
   */
  async customerWrote(conversation: ConversationDoc): Promise<ConversationDoc> {
    const settings = await this.settingsOf(conversation.workspaceId);
    const outcome = onCustomerMessage(conversation, settings);
    if (outcome.action === 'wake') {
      try {
        return await this.changeStatus(conversation.workspaceId, conversation._id, outcome.to, { actor: 'customer' });
      } catch (err) {
        // Someone else changed it meanwhile; their change scheduled the timers.
        if (!(err instanceof AppError && err.code === 'invalid_transition')) throw err;
        return (await this.deps.store.conversations.findById(conversation._id).lean()) ?? conversation;
      }
    }
    await this.scheduleTimers(conversation, settings);
    return conversation;
  }

  /**
   * The customer came back to an ended conversation: reopened if the workspace says so and no
   * other conversation has taken its slot meanwhile; undefined means "start a new linked one".
   */
  async reopenForCustomer(ended: ConversationDoc): Promise<ConversationDoc | undefined> {
    const outcome = onCustomerMessage(ended, await this.settingsOf(ended.workspaceId));
    if (outcome.action !== 'reopen') return undefined;
    try {
      return await this.changeStatus(ended.workspaceId, ended._id, 'queued', { actor: 'customer' });
    } catch (err) {
      if (err instanceof AppError && (err.code === 'invalid_transition' || err.code === 'conflict_open_conversation')) return undefined;
      throw err;
    }
  }

  /** A due timer: does nothing unless the conversation is still at the version it was set for. */
  async fireTimer(data: TimerJobData | DelegatedTimerData): Promise<void> {
    const handler = this.delegated.get(data.kind);
    if (handler) {
      await handler(data as never);
      return;
    }
    if (!isTimerData(data)) throw new Error(`no handler for timer jobs of kind ${data.kind}`);
    const current = await this.deps.store.conversations.findOne({ _id: data.conversationId, workspaceId: data.workspaceId }).lean();
    if (!current || current.lifecycleVersion !== data.version) return;
    const to = timerTarget(data.kind, current);
    if (!to) return;
    await this.apply(current, to, { actor: 'timer' }, data.version);
  }

  /**
   * One conditional update from `current.status` (and, for timers, from the version they were
   * scheduled at). Returns null when another change got there first.
   */
  private async apply(current: ConversationDoc, to: ConversationStatus, opts: ChangeStatusOptions, version?: number): Promise<ConversationDoc | null> {
    const { store, clock, outbox } = this.deps;
    const now = clock.now();
    const reopening = !isOpen(current.status) && isOpen(to);
    if (opts.from !== undefined && current.status !== opts.from) {
      throw toAppError({ code: 'invalid_transition', from: current.status, to, allowed: allowedFrom(current.status) });
    }
    const result = transition(current, to, { now, snoozeUntil: opts.snoozeUntil, openThread: reopening ? await this.threadKeyOf(current) : undefined });
    if (!result.ok) throw toAppError(result.error);
    const { set, unset } = withAssignment(result.set, result.unset, to, opts.assignment);
    if (version !== undefined && current.lifecycleVersion !== version) return null;
    // Claim the version this change starts from: the unique _id admits one writer only.
    const step = `${String(current._id)}:${current.lifecycleVersion}`;
    const record = { _id: step, workspaceId: current.workspaceId, conversationId: current._id, from: current.status, to, actor: opts.actor, at: now };
    if (!(await claimOnce(store.conversationTransitions, record))) return null;
    let updated: ConversationDoc | null;
    try {
      updated = await store.conversations
        .findOneAndUpdate(
          { _id: current._id, workspaceId: current.workspaceId, status: current.status, lifecycleVersion: current.lifecycleVersion },
          {
            $set: set,
            ...(unset.length > 0 && { $unset: Object.fromEntries(unset.map((f) => [f, ''])) }),
            $inc: { lifecycleVersion: 1 },
          },
          { returnDocument: 'after' },
        )
        .lean();
    } catch (err) {
      // The change did not happen: the claim must not block a later attempt from this version.
      await releaseClaim(store.conversationTransitions, step);
      if (!isDuplicateKeyError(err)) throw err;
      throw conflict('conflict_open_conversation', 'Another conversation with this contact is open; end it first', { conversationId: String(current._id) });
    }
    if (!updated) {
      await releaseClaim(store.conversationTransitions, step);
      return null;
    }
    // Exactly the slot this conversation held: a newer assignment cannot hold the same slot id
    // until this record is gone, so deleting by id and conversation never frees someone else's.
    const freedSlot = current.assignedSlot && !updated.assignedSlot;
    if (freedSlot) {
      const { deletedCount } = await store.agentSlots.deleteOne({ _id: current.assignedSlot, conversationId: current._id });
      if (deletedCount > 0 && current.assigneeId) await this.deps.loads.freed(current.assigneeId);
    }
    // Only the auto-resolve timer resolves with actor 'timer'.
    const closingMessage = opts.actor === 'timer' && to === 'resolved' ? await this.sendClosingMessage(updated) : undefined;
    await outbox.emitAll([
      {
        type: 'conversation.status_changed',
        workspaceId: updated.workspaceId,
        // The version after the change is unique per change: one event however often it is emitted.
        key: `${String(updated._id)}-${updated.lifecycleVersion}`,
        conversationId: updated._id,
        data: {
          conversation: conversationToApi(updated),
          from: current.status,
          to,
          actor: opts.actor,
          // Whose capacity this change gave back: routing lets that agent pull waiting work (src/routing/router.ts).
          ...(freedSlot && current.assigneeId && { freedAgentId: String(current.assigneeId) }),
          ...(closingMessage && { closingMessage }),
        },
      },
      ...(opts.alsoEmit?.(updated) ?? []),
    ]);
    await this.scheduleTimers(updated);
    return updated;
  }

  /**
   * Sends the workspace's closing message, if it has one, to a conversation the auto-resolve timer
   * has just resolved. The channel's rules decide as for any automation message; a refusal (the
   * window has closed, say) or a failure is the outcome, logged and put on the status_changed
   * event, never an error: the conversation is resolved either way. Sent at most once: a timer job
   * that runs again finds the version moved on.
   */
  private async sendClosingMessage(c: ConversationDoc): Promise<ClosingOutcome | undefined> {
    const { sender, logger } = this.deps;
    const { closingMessage } = await this.settingsOf(c.workspaceId);
    if (!closingMessage) return undefined;
    const log = { workspaceId: String(c.workspaceId), conversationId: String(c._id) };
    try {
      const message = await sender.send(c.workspaceId, String(c._id), { content: { type: 'text', text: closingMessage } }, { author: 'automation' });
      logger.info({ ...log, messageId: String(message._id) }, 'closing message queued');
      return { sent: true, messageId: String(message._id) };
    } catch (err) {
      const outcome = err instanceof AppError ? { code: err.code, message: err.message } : { code: 'send_failed', message: String(err) };
      logger.info({ ...log, err, code: outcome.code }, 'closing message not sent');
      return { sent: false, ...outcome };
    }
  }


  /**
   * Replaces the conversation's timer with the one of its current status and version, in one
   * round trip: the timer lives in one slot per conversation (a BullMQ deduplication id in
   * replace mode), so adding it removes the one it replaces; one that is running just then is
   * followed by the new one when it ends. A timer that escapes (older) finds the version moved on
   * and does nothing. Public for start-up recovery: scheduling a conversation's timer again puts
   * back the same job.
   */
  async scheduleTimers(c: ConversationDoc, settings?: LifecycleSettings): Promise<void> {
    const id = String(c._id);
    const timer = timerFor(c, settings ?? (await this.settingsOf(c.workspaceId)));
    if (!timer) return this.cancelTimer(id);
    const data: TimerJobData = { conversationId: id, workspaceId: String(c.workspaceId), kind: timer.kind, version: c.lifecycleVersion };
    await this.deps.queues.timers.add(timer.kind, data, {
      jobId: timerJobId(id, timer.kind, c.lifecycleVersion),
      delay: Math.max(0, timer.at.getTime() - this.deps.clock.now().getTime()),
      deduplication: { id: timerSlotOf(id), replace: true, keepLastIfActive: true },
    });
  }

  /** Removes the conversation's waiting timer: its status has none now, or it is being deleted. */
  async cancelTimer(conversationId: string): Promise<void> {
    const { queues, logger } = this.deps;
    const jobId = await queues.timers.getDeduplicationJobId(timerSlotOf(conversationId));
    if (!jobId) return;
    await queues.timers.remove(jobId).catch((err: unknown) => {
      // Running now: it finds the conversation changed and does nothing.
      logger.debug({ err, conversationId }, 'timer not removed');
    });
  }

  /** The key a conversation holds while open; conversations stored before threadKey existed rebuild it. */
  private async threadKeyOf(c: ConversationDoc): Promise<string> {
    if (c.threadKey) return c.threadKey;
    const channel = await this.deps.store.channels.findById(c.channelId, { type: 1 }).lean();
    const threaded = channel && this.deps.connectors.get(channel.type)?.capabilities.conversations === 'thread';
    return threaded && c.firstProviderKey ? emailThreadKey(c.channelId, c.firstProviderKey) : openThreadKey(String(c.channelId), String(c.contactId));
  }
}

function isTimerData(data: TimerJobData | DelegatedTimerData): data is TimerJobData {
  return (TIMER_KINDS as readonly string[]).includes(data.kind);
}

/**
 * Adds the assignment fields to a transition's update: an assignment sets the agent and its
 * slot; going back to queued (unassign) clears both; ending clears the slot only.
 */
function withAssignment(
  set: object,
  unset: readonly string[],
  to: ConversationStatus,
  assignment: ChangeStatusOptions['assignment'],
): { set: object; unset: string[] } {
  if (assignment) return { set: { ...set, assigneeId: assignment.assigneeId, assignedSlot: assignment.slotId }, unset: [...unset] };
  if (to === 'queued') return { set, unset: [...unset, 'assigneeId', 'assignedSlot'] };
  if (ENDED.includes(to)) return { set, unset: [...unset, 'assignedSlot'] };
  return { set, unset: [...unset] };
}
