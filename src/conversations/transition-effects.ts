import type { ConversationStatus } from '../domain/conversation.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { SendService } from '../outbound/send-service.js';
import type { LoadHints } from '../routing/load-hints.js';
import type { Store } from '../store/index.js';
import type { ConversationDoc } from '../store/models/conversation.js';
import { lifecycleSettingsOf } from '../store/models/workspace.js';
import type { WorkspaceSettings } from '../workspaces/workspace-settings.js';
import type { LifecycleActor } from './lifecycle-service.js';

/** Sends the closing message (src/outbound/send-service.ts); only its send is needed here. */
export type ClosingSender = Pick<SendService, 'send'>;

/** What became of the workspace's closing message when the auto-resolve timer resolved a conversation. */
export type ClosingOutcome = { sent: true; messageId: string } | { sent: false; code: string; message: string };

/** What a change's effects add to its `conversation.status_changed` event. */
export interface TransitionOutcome {
  /** Whose capacity the change gave back: routing lets that agent pull waiting work (src/routing/conversation-router.ts). */
  freedAgentId?: string;
  closingMessage?: ClosingOutcome;
}

/**
 * What a stored status change sets off beyond the conversation itself, before its event is
 * emitted: the agent's slot it gave back (and routing's load hint of that agent), and the
 * workspace's closing message when the auto-resolve timer resolved it.
 */
export class TransitionEffects {
  constructor(
    private readonly deps: {
      store: Store;
      /** Routing's load hints, told when a change frees a slot. */
      loads: Pick<LoadHints, 'freed'>;
      /** Sends the workspace's closing message when the auto-resolve timer resolves. */
      sender: ClosingSender;
      logger: Logger;
      workspaceSettings: WorkspaceSettings;
    },
  ) {}

  /** `before` and `after`: the conversation on either side of its change to `to`, made by `actor`. */
  async apply(before: ConversationDoc, after: ConversationDoc, to: ConversationStatus, actor: LifecycleActor): Promise<TransitionOutcome> {
    const freedSlot = before.assignedSlot && !after.assignedSlot;
    if (freedSlot) await this.freeSlot(before);
    // Only the auto-resolve timer resolves with actor 'timer'.
    const closingMessage = actor === 'timer' && to === 'resolved' ? await this.sendClosingMessage(after) : undefined;
    return {
      ...(freedSlot && before.assigneeId && { freedAgentId: String(before.assigneeId) }),
      ...(closingMessage && { closingMessage }),
    };
  }

  /**
   * Exactly the slot this conversation held: a newer assignment cannot hold the same slot id
   * until this record is gone, so deleting by id and conversation never frees someone else's.
   */
  private async freeSlot(c: ConversationDoc): Promise<void> {
    const { deletedCount } = await this.deps.store.agentSlots.deleteOne({ _id: c.assignedSlot, conversationId: c._id });
    if (deletedCount > 0 && c.assigneeId) await this.deps.loads.freed(c.assigneeId);
  }

  /**
   * Sends the workspace's closing message, if it has one, to a conversation the auto-resolve timer
   * has just resolved. The channel's rules decide as for any automation message; a refusal (the
   * window has closed, say) or a failure is the outcome, logged and put on the status_changed
   * event, never an error: the conversation is resolved either way. Sent at most once: a timer job
   * that runs again finds the version moved on.
   */
  private async sendClosingMessage(c: ConversationDoc): Promise<ClosingOutcome | undefined> {
    const { sender, logger, workspaceSettings } = this.deps;
    const { closingMessage } = lifecycleSettingsOf(await workspaceSettings.of(c.workspaceId));
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
}
