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
  /** The channel's second id for the person (WhatsApp business-scoped user id): a new key with a known one joins that contact. */
  userId?: string;
  /**
   * Since when the identity is no longer the contact's (WhatsApp: they changed their number).
   * Messages sent before still find the contact; the first one after hands it to a new one.
   */
  retiredAt?: Date;
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
  userId: String,
  retiredAt: Date,
});
contactIdentitySchema.index({ channelId: 1, externalId: 1 }, { unique: true });
contactIdentitySchema.index({ contactId: 1 });
// Not unique: one person's identities under their number and under their user id both hold it, and a retired one keeps it.
contactIdentitySchema.index({ channelId: 1, userId: 1 });
