import type { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import type { ApiKeyRole } from '../domain/api-key.js';
import { conflict, notFound } from '../errors.js';
import type { Store } from '../store/index.js';
import type { ApiKeyDoc } from '../store/models/api-key.js';
import { createApiKey } from './api-key.js';

/** The API keys of a workspace as admins create, list and revoke them. */
export class ApiKeyService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** The key itself is in the answer this once; only its hash is kept. */
  create(workspaceId: Types.ObjectId, input: { name: string; role: ApiKeyRole }) {
    return createApiKey(this.deps.store, workspaceId, input.name, input.role);
  }

  /** Newest first, revoked ones included. */
  list(workspaceId: Types.ObjectId): Promise<ApiKeyDoc[]> {
    return this.deps.store.apiKeys.find({ workspaceId }).sort({ _id: -1 }).lean();
  }

  /**
   * Revokes a key: it stops working at once and stays listed; revoking twice is harmless. A key
   * cannot revoke itself, so a workspace always keeps the admin key that revoked the others.
   */
  async revoke(workspaceId: Types.ObjectId, id: string, callerKeyId: Types.ObjectId): Promise<void> {
    const { store, clock } = this.deps;
    if (id === String(callerKeyId)) throw conflict('cannot_revoke_own_key', 'An API key cannot revoke itself; use another admin key');
    const key = await store.apiKeys.findOne({ _id: id, workspaceId }).lean();
    if (!key) throw notFound('API key');
    if (!key.revokedAt) await store.apiKeys.updateOne({ _id: key._id, revokedAt: { $exists: false } }, { $set: { revokedAt: clock.now() } });
  }
}
