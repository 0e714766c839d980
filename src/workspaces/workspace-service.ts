import { createApiKey } from '../security/api-key.js';
import type { Store } from '../store/index.js';

/** A new workspace with its first admin key. */
export async function createWorkspace(store: Store, name: string) {
  const workspace = await store.workspaces.create({ name });
  const apiKey = await createApiKey(store, workspace._id, 'default admin key', 'admin');
  return { workspace: workspace.toObject(), apiKey };
}
