import { notFound } from '../errors.js';
import type { Store } from '../store/index.js';

/** A file an agent uploads to send later. */
export interface MediaUpload {
  data: Buffer;
  mimeType: string;
  filename?: string;
}

/** Stored media of a workspace: agents' uploads and inbound media copied from providers. */
export class MediaLibrary {
  constructor(private readonly deps: { store: Store }) {}

  /** The stored file's id. */
  upload(workspaceId: string, input: MediaUpload): Promise<string> {
    return this.deps.store.media.put(input.data, { workspaceId, mimeType: input.mimeType, filename: input.filename });
  }

  /** A file of the workspace, or 404 (also for another workspace's id). */
  async get(workspaceId: string, id: string) {
    const stored = await this.deps.store.media.get(id, workspaceId);
    if (!stored) throw notFound('Media');
    return stored;
  }
}
