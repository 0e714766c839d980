import { Schema, type Types } from 'mongoose';

/**
 * One delivery-status step of an outbound message, keyed `<messageId>:<sendRound>:<status it
 * left>`: inserting it claims the step (see store/claim.ts), so concurrent callbacks for the same
 * message move it forward one at a time on any server.
 */
export interface MessageTransitionDoc {
  _id: string;
  messageId: Types.ObjectId;
  from: string;
  to: string;
  at: Date;
}

export const messageTransitionSchema = new Schema<MessageTransitionDoc>(
  {
    _id: { type: String, required: true },
    messageId: { type: Schema.Types.ObjectId, required: true },
    from: { type: String, required: true },
    to: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { timestamps: false, versionKey: false },
);
messageTransitionSchema.index({ messageId: 1 });
