import { mongo, type Connection } from 'mongoose';

export interface StoredMediaInfo {
  id: string;
  mimeType: string;
  size: number;
  filename?: string;
  workspaceId: string;
}

/** Media bytes kept in GridFS, beside the data that refers to them (works on any deployment). */
export class MediaStore {
  private readonly bucket: mongo.GridFSBucket;

  constructor(connection: Connection) {
    if (!connection.db) throw new Error('MediaStore needs an open connection');
    this.bucket = new mongo.GridFSBucket(connection.db, { bucketName: 'media' });
  }

  async put(data: Buffer, meta: { workspaceId: string; mimeType: string; filename?: string }): Promise<string> {
    const upload = this.bucket.openUploadStream(meta.filename ?? 'media', {
      metadata: { workspaceId: meta.workspaceId, mimeType: meta.mimeType },
    });
    await new Promise<void>((resolve, reject) => {
      upload.once('finish', () => resolve());
      upload.once('error', reject);
      upload.end(data);
    });
    return String(upload.id);
  }

  /** What is stored under the id, only if it belongs to the workspace asking. */
  async info(id: string, workspaceId: string): Promise<StoredMediaInfo | null> {
    if (!mongo.ObjectId.isValid(id)) return null;
    const [file] = await this.bucket.find({ _id: new mongo.ObjectId(id) }).toArray();
    if (!file || file.metadata?.workspaceId !== workspaceId) return null;
    return { id, mimeType: String(file.metadata.mimeType), size: file.length, filename: file.filename, workspaceId };
  }

  async get(id: string, workspaceId: string): Promise<{ info: StoredMediaInfo; data: Buffer } | null> {
    const info = await this.info(id, workspaceId);
    if (!info) return null;
    const chunks: Buffer[] = [];
    for await (const chunk of this.bucket.openDownloadStream(new mongo.ObjectId(id))) chunks.push(chunk as Buffer);
    return { info, data: Buffer.concat(chunks) };
  }

  async delete(id: string): Promise<void> {
    if (mongo.ObjectId.isValid(id)) await this.bucket.delete(new mongo.ObjectId(id));
  }
}
