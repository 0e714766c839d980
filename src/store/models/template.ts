import { Schema, type Types } from 'mongoose';
import {
  TEMPLATE_CATEGORIES,
  TEMPLATE_STATUSES,
  type TemplateComponentDefinition,
  type TemplateCategory,
  type TemplateStatus,
} from '../../domain/template.js';

export interface TemplateDoc {
  _id: Types.ObjectId;
  workspaceId: Types.ObjectId;
  channelId: Types.ObjectId;
  name: string;
  language: string;
  category: TemplateCategory;
  status: TemplateStatus;
  statusReason?: string;
  components: TemplateComponentDefinition[];
  providerTemplateId?: string;
  contentSid?: string;
  /** file: loaded from templates/; provider: synced from the provider's list or webhook. */
  source: 'file' | 'provider';
  createdAt: Date;
  updatedAt: Date;
}

export const templateSchema = new Schema<TemplateDoc>({
  workspaceId: { type: Schema.Types.ObjectId, required: true },
  channelId: { type: Schema.Types.ObjectId, required: true },
  name: { type: String, required: true },
  language: { type: String, required: true },
  category: { type: String, enum: TEMPLATE_CATEGORIES, required: true },
  status: { type: String, enum: TEMPLATE_STATUSES, required: true },
  statusReason: String,
  components: { type: Schema.Types.Mixed, default: [] },
  providerTemplateId: String,
  contentSid: String,
  source: { type: String, enum: ['file', 'provider'], required: true },
});
templateSchema.index({ channelId: 1, name: 1, language: 1 }, { unique: true });
templateSchema.index({ workspaceId: 1, channelId: 1 });
