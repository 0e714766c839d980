import { Schema, type Types } from 'mongoose';

/** A saved reply an agent sends by its shortcut; `text` may hold `{{ variable }}` placeholders. */
export interface CannedResponseDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  /** E.g. `/thanks`; unique per workspace. */
  shortcut: string;
  title: string;
  text: string;
  createdAt: Date;
  updatedAt: Date;
}

export const cannedResponseSchema = new Schema<CannedResponseDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  shortcut: { type: String, required: true },
  title: { type: String, required: true },
  text: { type: String, required: true },
});
// The index decides uniqueness, so two concurrent creates of one shortcut cannot both win.
cannedResponseSchema.index({ workspaceId: 1, shortcut: 1 }, { unique: true });
cannedResponseSchema.index({ workspaceId: 1, _id: -1 });
