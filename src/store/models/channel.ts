import { Schema, type Types } from 'mongoose';
import type { SealedSecret } from '../../security/secret-box.js';
import { CHANNEL_STATES, type ChannelState } from '../../domain/channel.js';

export interface ChannelDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  /** The connector type, e.g. whatsapp-cloud. */
  type: string;
  name: string;
  /** The provider-side account (phone number id, page id): inbound events are routed by it. */
  accountId: string;
  /** Further provider ids whose events concern this channel (see Connector.accountAliasesOf). */
  accountAliases: string[];
  /** Non-secret, connector-specific settings, validated by the connector's schema. */
  settings: Record<string, unknown>;
  /** Connector secrets, encrypted at rest; never returned by the API. */
  secrets: SealedSecret;
  state: ChannelState;
  stateReason?: string;
  /** Pull-based channels: the connector's position (IMAP UIDVALIDITY and last UID). */
  cursor?: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export const channelSchema = new Schema<ChannelDoc>(
  {
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    type: { type: String, required: true },
    name: { type: String, required: true },
    accountId: { type: String, required: true },
    accountAliases: { type: [String], default: [] },
    settings: { type: Schema.Types.Mixed, default: {} },
    secrets: { type: Schema.Types.Mixed, required: true },
    state: { type: String, enum: CHANNEL_STATES, default: 'active' },
    stateReason: String,
    cursor: Schema.Types.Mixed,
  },
  { minimize: false },
);
// One channel per provider account and workspace: events routed by account id are unambiguous.
channelSchema.index({ workspaceId: 1, type: 1, accountId: 1 }, { unique: true });
channelSchema.index({ workspaceId: 1, type: 1, accountAliases: 1 });
