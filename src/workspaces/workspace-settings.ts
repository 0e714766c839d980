import type { Types } from 'mongoose';
import type { SharedCache } from '../cache/shared-cache.js';
import type { Store } from '../store/index.js';
import type { WorkspaceDoc } from '../store/models/workspace.js';

/**
 * A workspace's stored settings, read for every inbound message (lifecycle timers) and event
 * (CSAT): cached in each process, dropped everywhere when `changed` is called after a write.
 */
export class WorkspaceSettings {
  constructor(private readonly deps: { store: Store; cache: SharedCache }) {}

  async of(workspaceId: Types.ObjectId): Promise<Pick<WorkspaceDoc, 'settings'> | null> {
    return this.deps.cache.get(keyOf(workspaceId), () => this.deps.store.workspaces.findById(workspaceId, { settings: 1 }).lean());
  }

  async changed(workspaceId: Types.ObjectId): Promise<void> {
    await this.deps.cache.invalidate(keyOf(workspaceId));
  }
}

const keyOf = (workspaceId: Types.ObjectId) => `workspace-settings:${String(workspaceId)}`;
