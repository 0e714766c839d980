import { Schema, type Types } from 'mongoose';

/** A person in a workspace; how each channel knows them lives in ContactIdentity. */
export interface ContactDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  name?: string;
  phone?: string;
  email?: string;
  attributes: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export const contactSchema = new Schema<ContactDoc>(
  {
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    name: String,
    phone: String,
    email: String,
    attributes: { type: Schema.Types.Mixed, default: {} },
  },
  { minimize: false },
);
contactSchema.index({ workspaceId: 1, _id: -1 });
