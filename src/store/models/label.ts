import { Schema, type Types } from 'mongoose';

/** A workspace-defined label agents apply to conversations (`labelIds` on the conversation). */
export interface LabelDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  name: string;
  /** The name lower-cased: "Billing" and "billing" are one label. */
  nameKey: string;
  /** `#rrggbb`. */
  color: string;
  description?: string;
  createdAt: Date;
  updatedAt: Date;
}

export const labelSchema = new Schema<LabelDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  name: { type: String, required: true },
  nameKey: { type: String, required: true },
  color: { type: String, required: true },
  description: String,
});
// The index decides uniqueness, so two concurrent creates of one name cannot both win.
labelSchema.index({ workspaceId: 1, nameKey: 1 }, { unique: true });
labelSchema.index({ workspaceId: 1, _id: -1 });
