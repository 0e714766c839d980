import type { Types } from 'mongoose';
import { PerWorkspace, type SharedCache } from '../cache/shared-cache.js';
import type { Store } from '../store/index.js';
import type { WorkspaceDoc } from '../store/models/workspace.js';

/** A workspace's stored settings, read for every inbound message (lifecycle timers) and event (CSAT). */
export type WorkspaceSettings = PerWorkspace<Pick<WorkspaceDoc, 'settings'> | null>;

export function createWorkspaceSettings(store: Store, cache: SharedCache): WorkspaceSettings {
  return new PerWorkspace(cache, 'workspace-settings', (workspaceId: Types.ObjectId) => store.workspaces.findById(workspaceId, { settings: 1 }).lean());
}
