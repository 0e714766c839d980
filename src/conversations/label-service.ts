import type { Types } from 'mongoose';
import { conflict, unlessTaken, notFound } from '../errors.js';
import type { Store } from '../store/index.js';
import type { LabelDoc } from '../store/models/label.js';
import { type PageRequest, newestFirst, ownRecord } from '../store/workspace-records.js';

const labelExists = () => conflict('label_exists', 'A label with this name exists');

/** A label's settable fields as the API takes them; a null description removes it. */
export interface LabelInput {
  name?: string;
  color?: string;
  description?: string | null;
}

/**
 * The labels of a workspace as admins manage them; conversations carry them as `labelIds`.
 * Names are unique per workspace ignoring case: `nameKey` is the lower-cased name a unique
 * index guards.
 */
export class LabelService {
  constructor(private readonly deps: { store: Store }) {}

  async create(workspaceId: Types.ObjectId, input: { name: string; color: string; description?: string }): Promise<LabelDoc> {
    const created = await unlessTaken(() => this.deps.store.labels.create({ ...input, nameKey: input.name.toLowerCase(), workspaceId }), labelExists);
    return created.toObject();
  }

  /** Newest first, `limit + 1` of them, so the caller can tell whether a next page exists. */
  list(workspaceId: Types.ObjectId, page: PageRequest): Promise<LabelDoc[]> {
    return newestFirst(this.deps.store.labels, { workspaceId }, page);
  }

  async get(workspaceId: Types.ObjectId, id: string): Promise<LabelDoc> {
    return ownRecord(this.deps.store.labels, workspaceId, id, 'Label');
  }

  async update(workspaceId: Types.ObjectId, id: string, input: LabelInput): Promise<LabelDoc> {
    const { description, ...fields } = input;
    const update = {
      $set: { ...fields, ...(fields.name && { nameKey: fields.name.toLowerCase() }), ...(description && { description }) },
      ...(description === null && { $unset: { description: '' } }),
    };
    const updated = await unlessTaken(() => this.deps.store.labels.findOneAndUpdate({ _id: id, workspaceId }, update, { returnDocument: 'after' }).lean(), labelExists);
    if (!updated) throw notFound('Label');
    return updated;
  }

  /** Removes the label, and then takes it off every conversation of the workspace. */
  async delete(workspaceId: Types.ObjectId, id: string): Promise<void> {
    const { store } = this.deps;
    const { deletedCount } = await store.labels.deleteOne({ _id: id, workspaceId });
    if (deletedCount === 0) throw notFound('Label');
    // After the label is gone: from now on applying it is refused, so nothing adds it back.
    await store.conversations.updateMany({ workspaceId, labelIds: id }, { $pull: { labelIds: id } });
  }
}
