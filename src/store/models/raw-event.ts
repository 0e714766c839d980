import { Schema, type Types } from 'mongoose';
import { RAW_EVENT_STATES, type RawEventState } from '../../domain/inbound-event.js';

/**
 * A provider request exactly as it arrived, recorded before it is acknowledged. The id is
 * `<channelId>-<sha256 of the body>`, so a byte-identical redelivery is recognised on insert.
 */
export interface RawEventDoc {
  _id: string;
  workspaceId: Types.ObjectId;
  channelId: Types.ObjectId;
  connector: string;
  contentType: string;
  /** The exact bytes received (signatures are over bytes, not over re-serialized JSON). */
  body: Buffer;
  state: RawEventState;
  receivedAt: Date;
  processedAt?: Date;
  /** How many normalized events the body held. */
  eventCount?: number;
  error?: string;
}

export const rawEventSchema = new Schema<RawEventDoc>(
  {
    _id: { type: String, required: true },
    workspaceId: { type: Schema.Types.ObjectId, required: true },
    channelId: { type: Schema.Types.ObjectId, required: true },
    connector: { type: String, required: true },
    contentType: { type: String, required: true },
    body: { type: Buffer, required: true },
    state: { type: String, enum: RAW_EVENT_STATES, required: true },
    receivedAt: { type: Date, required: true },
    processedAt: Date,
    eventCount: Number,
    error: String,
  },
  { timestamps: false, versionKey: false },
);
rawEventSchema.index({ state: 1, receivedAt: 1 });
// The retention sweep's range of processed events.
rawEventSchema.index({ state: 1, processedAt: 1 });
