import { Schema, type Types } from 'mongoose';

export interface WorkspaceDoc {
  _id: Types.ObjectId;
  name: string;
  createdAt: Date;
  updatedAt: Date;
}

export const workspaceSchema = new Schema<WorkspaceDoc>({ name: { type: String, required: true } });
