import { Schema, type Types } from 'mongoose';

/**
 * A contact being (or having been) merged away, keyed by its id: inserting it is how a merge
 * claims its source, so a contact is merged into one other contact only, and two opposite merges
 * (A into B, B into A) cannot both run, even where conditional updates are not atomic (FerretDB).
 * It stays after the merge as the record of where the contact went.
 */
export interface ContactMergeDoc {
  _id: string;
  workspaceId: Types.ObjectId;
  intoContactId: Types.ObjectId;
  at: Date;
}

export const contactMergeSchema = new Schema<ContactMergeDoc>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    intoContactId: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
  },
  { timestamps: false, versionKey: false },
);
