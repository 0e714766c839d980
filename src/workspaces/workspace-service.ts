import type { Types } from 'mongoose';
import { generateApiKey } from '../security/api-key.js';
import type { Store } from '../store/index.js';
import type { ApiKeyRole } from '../domain/api-key.js';

/** Creates an API key; the key is returned this once and only its hash is kept. */
export async function createApiKey(store: Store, workspaceId: Types.ObjectId, name: string, role: ApiKeyRole) {
  const { key, hash, prefix } = generateApiKey();
  const doc = await store.apiKeys.create({ workspaceId, name, hash, prefix, role });
  return { id: String(doc._id), name, role, prefix, key };
}

/** A new workspace with its first admin key. */
export async function createWorkspace(store: Store, name: string) {
  const workspace = await store.workspaces.create({ name });
  const apiKey = await createApiKey(store, workspace._id, 'default admin key', 'admin');
  return { workspace: workspace.toObject(), apiKey };
}
