import type { Types } from 'mongoose';
import type { ConnectorRegistry } from '../../connectors/registry.js';
import type { Clock } from '../clock.js';
import { isOpen, openThreadKey, type ConversationStatus } from '../domain/conversation.js';
import { allowedFrom, onCustomerMessage, timerTarget, transition, type LifecycleSettings, type TransitionError } from '../domain/lifecycle.js';
import { AppError, conflict, isDuplicateKeyError, notFound, unprocessable } from '../errors.js';
import type { NewEvent, Outbox } from '../events/outbox.js';
import { conversationToApi } from '../representation/public-records.js';
import { claimOnce, releaseClaim } from '../store/claim.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import { lifecycleSettingsOf } from '../store/models/workspace.js';
import type { WorkspaceSettings } from '../workspaces/workspace-settings.js';
import type { ConversationTimers, TimerJobData } from './conversation-timers.js';
import { emailThreadKey } from './thread-conversation.js';
import type { TransitionEffects } from './transition-effects.js';

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
 * changes only one wins; its effects follow (TransitionEffects), then it emits
 * `conversation.status_changed` and replaces the timer (ConversationTimers).
 */
export class LifecycleService {
  constructor(
    private readonly deps: {
      store: Store;
      outbox: Outbox;
      clock: Clock;
      connectors: ConnectorRegistry;
      workspaceSettings: WorkspaceSettings;
      timers: ConversationTimers;
      effects: TransitionEffects;
    },
  ) {}

  private async settingsOf(workspaceId: Types.ObjectId): Promise<LifecycleSettings> {
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
    await this.deps.timers.schedule(conversation, settings);
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

  /** A due timer (ConversationTimers): does nothing unless the conversation is still at the version it was set for. */
  async fireTimer(data: TimerJobData): Promise<void> {
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
    const outcome = await this.deps.effects.apply(current, updated, to, opts.actor);
    await outbox.emitAll([
      {
        type: 'conversation.status_changed',
        workspaceId: updated.workspaceId,
        // The version after the change is unique per change: one event however often it is emitted.
        key: `${String(updated._id)}-${updated.lifecycleVersion}`,
        conversationId: updated._id,
        data: { conversation: conversationToApi(updated), from: current.status, to, actor: opts.actor, ...outcome },
      },
      ...(opts.alsoEmit?.(updated) ?? []),
    ]);
    await this.deps.timers.schedule(updated);
    return updated;
  }

  /** The key a conversation holds while open; conversations stored before threadKey existed rebuild it. */
  private async threadKeyOf(c: ConversationDoc): Promise<string> {
    if (c.threadKey) return c.threadKey;
    const channel = await this.deps.store.channels.findById(c.channelId, { type: 1 }).lean();
    const threaded = channel && this.deps.connectors.get(channel.type)?.capabilities.conversations === 'thread';
    return threaded && c.firstProviderKey ? emailThreadKey(c.channelId, c.firstProviderKey) : openThreadKey(String(c.channelId), String(c.contactId));
  }
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
