import type { Types } from 'mongoose';
import { notFound } from '../errors.js';
import { withRemoteImages } from '../representation/email-html.js';
import type { Store } from '../store/index.js';
import type { MessageDoc } from '../store/models/message.js';

/** Whether a mail's remote images are shown (`allow`) or stay blocked as stored (`block`). */
export type RemoteContent = 'block' | 'allow';

/** One message of a workspace as the API shows it; sending and retrying are SendService's. */
export class MessageReader {
  constructor(private readonly deps: { store: Store }) {}

  async get(workspaceId: Types.ObjectId, id: string, remoteContent: RemoteContent): Promise<MessageDoc> {
    const message = await this.deps.store.messages.findOne({ _id: id, workspaceId }).lean();
    if (!message) throw notFound('Message');
    return remoteContent === 'allow' ? { ...message, content: withRemoteImages(message.content) } : message;
  }
}
