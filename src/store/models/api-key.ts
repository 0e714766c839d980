import { Schema, type Types } from 'mongoose';
import { API_KEY_ROLES, type ApiKeyRole } from '../../domain/api-key.js';

/** automation: keys of bots and integrations; what they send is never a human agent's reply. */

export interface ApiKeyDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  name: string;
  /** SHA-256 of the key; the key itself is never stored. */
  hash: string;
  /** The first characters, so a person can tell keys apart. */
  prefix: string;
  role: ApiKeyRole;
  revokedAt?: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const apiKeySchema = new Schema<ApiKeyDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  name: { type: String, required: true },
  hash: { type: String, required: true },
  prefix: { type: String, required: true },
  role: { type: String, enum: API_KEY_ROLES, required: true },
  revokedAt: Date,
});
apiKeySchema.index({ hash: 1 }, { unique: true });
apiKeySchema.index({ workspaceId: 1 });
