import type { Types } from 'mongoose';
import { csatSettingsUpdate, type csatSettingsBody } from '../csat/csat-settings.js';
import { notFound } from '../errors.js';
import { createApiKey } from '../security/api-key.js';
import type { Store } from '../store/index.js';
import type { WorkspaceDoc } from '../store/models/workspace.js';
import type { z } from 'zod';
import type { WorkspaceSettings } from './workspace-settings.js';

/** A new workspace with its first admin key. */
export async function createWorkspace(store: Store, name: string) {
  const workspace = await store.workspaces.create({ name });
  const apiKey = await createApiKey(store, workspace._id, 'default admin key', 'admin');
  return { workspace: workspace.toObject(), apiKey };
}

/** The settings an admin changes, each optional; a null closing message removes it. */
export interface WorkspaceSettingsInput {
  autoResolveAfterHours?: number;
  abandonAfterMinutes?: number;
  reopenResolved?: boolean;
  closingMessage?: string | null;
  csat?: z.infer<typeof csatSettingsBody>;
  webhookAllowedHosts?: string[];
}

/** Every workspace of the instance, oldest first: for its operator (the CLI). */
export function listWorkspaces(store: Store): Promise<WorkspaceDoc[]> {
  return store.workspaces.find().sort({ _id: 1 }).lean();
}

/** A workspace, or 404. */
export async function getWorkspace(store: Store, workspaceId: Types.ObjectId): Promise<WorkspaceDoc> {
  const workspace = await store.workspaces.findById(workspaceId).lean();
  if (!workspace) throw notFound('Workspace');
  return workspace;
}

/** Workspaces as the operator creates them and their admins read them and change their settings. */
export class WorkspaceService {
  constructor(private readonly deps: { store: Store; workspaceSettings: WorkspaceSettings }) {}

  /** For the instance operator: the caller has no workspace yet. */
  create(name: string) {
    return createWorkspace(this.deps.store, name);
  }

  get(workspaceId: Types.ObjectId): Promise<WorkspaceDoc> {
    return getWorkspace(this.deps.store, workspaceId);
  }

  /** Timers already scheduled keep their delays; the new settings apply from the next status change or customer message. */
  async updateSettings(workspaceId: Types.ObjectId, input: WorkspaceSettingsInput): Promise<WorkspaceDoc> {
    // CSAT settings are set field by field: turning the survey on keeps the stored message.
    const { csat, ...settings } = input;
    const update = { ...Object.fromEntries(Object.entries(settings).map(([k, v]) => [`settings.${k}`, v])), ...(csat && csatSettingsUpdate(csat)) };
    const workspace = await this.deps.store.workspaces.findByIdAndUpdate(workspaceId, { $set: update }, { returnDocument: 'after', runValidators: true }).lean();
    if (!workspace) throw notFound('Workspace');
    await this.deps.workspaceSettings.changed(workspace._id);
    return workspace;
  }
}
