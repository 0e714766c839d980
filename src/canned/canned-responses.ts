import type { Types } from 'mongoose';
import { conflict, unlessTaken, notFound, unprocessable } from '../errors.js';
import type { MessageSender, SendService } from '../outbound/send-service.js';
import type { Store } from '../store/index.js';
import type { CannedResponseDoc } from '../store/models/canned-response.js';
import type { MessageDoc } from '../store/models/message.js';
import { type PageRequest, newestFirst, ownRecord } from '../store/workspace-records.js';
import { sendCanned } from './canned-service.js';
import { unknownVariables } from './render.js';

/** A canned response's fields as the API takes them. */
export interface CannedResponseInput {
  shortcut: string;
  title: string;
  text: string;
}

const cannedExists = () => conflict('canned_response_exists', 'A canned response with this shortcut exists');

/**
 * The canned responses of a workspace: kept by admins, sent by agents by their shortcut. The
 * shortcut is unique per workspace (a unique index decides).
 */
export class CannedResponses {
  constructor(private readonly deps: { store: Store; sender: SendService }) {}

  async create(workspaceId: Types.ObjectId, input: CannedResponseInput): Promise<CannedResponseDoc> {
    checkVariables(input.text);
    const created = await unlessTaken(() => this.deps.store.cannedResponses.create({ ...input, workspaceId }), cannedExists);
    return created.toObject();
  }

  /** Newest first, `limit + 1` of them, so the caller can tell whether a next page exists. */
  list(workspaceId: Types.ObjectId, page: PageRequest): Promise<CannedResponseDoc[]> {
    return newestFirst(this.deps.store.cannedResponses, { workspaceId }, page);
  }

  async get(workspaceId: Types.ObjectId, id: string): Promise<CannedResponseDoc> {
    return ownRecord(this.deps.store.cannedResponses, workspaceId, id, 'Canned response');
  }

  async update(workspaceId: Types.ObjectId, id: string, input: Partial<CannedResponseInput>): Promise<CannedResponseDoc> {
    checkVariables(input.text);
    const updated = await unlessTaken(
      () => this.deps.store.cannedResponses.findOneAndUpdate({ _id: id, workspaceId }, { $set: input }, { returnDocument: 'after', runValidators: true }).lean(),
      cannedExists,
    );
    if (!updated) throw notFound('Canned response');
    return updated;
  }

  async delete(workspaceId: Types.ObjectId, id: string): Promise<void> {
    const { deletedCount } = await this.deps.store.cannedResponses.deleteOne({ _id: id, workspaceId });
    if (deletedCount === 0) throw notFound('Canned response');
  }

  /** Sends the one with this shortcut into a conversation (see sendCanned). */
  send(workspaceId: Types.ObjectId, conversationId: string, shortcut: string, sender: MessageSender): Promise<MessageDoc> {
    return sendCanned(this.deps, workspaceId, conversationId, shortcut, sender);
  }
}

/** Unknown variables are refused when saved, so a typo shows up before an agent sends it. */
function checkVariables(text: string | undefined): void {
  const unknown = text === undefined ? [] : unknownVariables(text);
  if (unknown.length > 0) throw unprocessable('canned_unknown_variable', `Unknown variables: ${unknown.join(', ')}`, { variables: unknown });
}
