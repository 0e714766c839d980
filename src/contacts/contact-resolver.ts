import { Types } from 'mongoose';
import type { ContactIdentity } from '../domain/inbound-event.js';
import { isDuplicateKeyError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';

/**
 * Finds or creates the contact behind a channel identity. Concurrent first messages race on the
 * unique (channel, external id) index: one upsert inserts, the other matches it (or gets a
 * duplicate key error and tries again), so both end with the same contact.
 */
export async function resolveContact(store: Store, channel: ChannelDoc, identity: ContactIdentity): Promise<Types.ObjectId> {
  const candidateId = new Types.ObjectId();
  const profile = {
    ...(identity.phone && { phone: identity.phone }),
    ...(identity.displayName && { displayName: identity.displayName }),
    ...(identity.username && { username: identity.username }),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const found = await store.contactIdentities
        .findOneAndUpdate(
          { channelId: channel._id, externalId: identity.externalId },
          { $setOnInsert: { workspaceId: channel.workspaceId, contactId: candidateId }, $set: profile },
          { upsert: true, returnDocument: 'after' },
        )
        .lean();
      // Upserted every time (a no-op once it exists) so a crash between the two writes heals itself.
      await store.contacts.updateOne(
        { _id: found.contactId },
        {
          $setOnInsert: {
            workspaceId: channel.workspaceId,
            attributes: {},
            ...(identity.displayName && { name: identity.displayName }),
            ...(identity.phone && { phone: identity.phone }),
          },
        },
        { upsert: true },
      );
      return found.contactId;
    } catch (err) {
      if (!isDuplicateKeyError(err) || attempt >= 3) throw err;
    }
  }
}
