import { Types } from 'mongoose';
import type { ContactIdentity } from '../domain/inbound-event.js';
import { isDuplicateKeyError } from '../errors.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { ContactIdentityDoc } from '../store/models/contact-identity.js';
import { absentFrom, profileOf } from './identity-profile.js';

/**
 * Finds or creates the stored identity, and the contact behind it, of someone writing on a
 * channel at `at` (their message's time). Concurrent first messages race on the unique (channel,
 * external id) index: one upsert inserts, the other matches it (or gets a duplicate key error and
 * tries again), so both end with the same contact.
 */
export async function resolveIdentity(store: Store, channel: ChannelDoc, identity: ContactIdentity, at: Date): Promise<ContactIdentityDoc> {
  let failure: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const found = await findOrCreate(store, channel, identity, at);
      if (found) {
        await ensureContact(store, channel, found.contactId, identity);
        return found;
      }
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      failure = err;
    }
  }
  throw failure ?? new Error(`The identity ${identity.externalId} kept changing hands while it was resolved`);
}

/**
 * One write in the usual case, the upsert under the key. A retired identity still answers for
 * what was sent before it was retired; anything later comes from the key's new holder (a phone
 * number given up is someone else's in time), who gets it with a contact of their own. A key seen
 * for the first time joins the contact of an identity with the same user id: one person, known
 * by their number and by their business-scoped id. Null when a concurrent message handed the
 * identity over first: the caller looks again.
 */
async function findOrCreate(store: Store, channel: ChannelDoc, identity: ContactIdentity, at: Date): Promise<ContactIdentityDoc | null> {
  const identities = store.contactIdentities;
  const candidateId = new Types.ObjectId();
  const found = await identities
    .findOneAndUpdate(
      { channelId: channel._id, externalId: identity.externalId },
      { $setOnInsert: { workspaceId: channel.workspaceId, contactId: candidateId }, $set: profileOf(identity) },
      { upsert: true, returnDocument: 'after' },
    )
    .lean();
  if (found.retiredAt && at > found.retiredAt) {
    // Nothing of the previous holder stays on it.
    return identities
      .findOneAndUpdate(
        { _id: found._id, retiredAt: found.retiredAt },
        { $set: { contactId: new Types.ObjectId() }, $unset: { retiredAt: '', ...absentFrom(identity) } },
        { returnDocument: 'after' },
      )
      .lean();
  }
  if (!identity.userId || !found.contactId.equals(candidateId)) return found;
  const known = await identities.findOne({ channelId: channel._id, userId: identity.userId, _id: { $ne: found._id } }).sort({ _id: 1 }).lean();
  if (!known) return found;
  return identities.findOneAndUpdate({ _id: found._id }, { $set: { contactId: known.contactId } }, { returnDocument: 'after' }).lean();
}

/** Upserted every time (a no-op once it exists) so a crash between the two writes heals itself. */
async function ensureContact(store: Store, channel: ChannelDoc, contactId: Types.ObjectId, identity: ContactIdentity): Promise<void> {
  await store.contacts.updateOne(
    { _id: contactId },
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
}
