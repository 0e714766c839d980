import { Schema, type Types } from 'mongoose';

/**
 * How one channel identifies a contact (wa_id, business-scoped id, PSID, email address).
 * The unique (channel, external id) index is what makes concurrent first messages from a new
 * contact resolve to a single contact.
 */
export interface ContactIdentityDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  channelId: Types.ObjectId;
  externalId: string;
  contactId: Types.ObjectId;
  phone?: string;
  displayName?: string;
  username?: string;
  createdAt: Date;
  updatedAt: Date;
}

export const contactIdentitySchema = new Schema<ContactIdentityDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  channelId: { type: Schema.Types.ObjectId, required: true },
  externalId: { type: String, required: true },
  contactId: { type: Schema.Types.ObjectId, required: true },
  phone: String,
  displayName: String,
  username: String,
});
contactIdentitySchema.index({ channelId: 1, externalId: 1 }, { unique: true });
contactIdentitySchema.index({ contactId: 1 });
