import type { ContactIdentity } from '../domain/inbound-event.js';
import type { Store } from '../store/index.js';
import type { ChannelDoc } from '../store/models/channel.js';
import type { ContactIdentityDoc } from '../store/models/contact-identity.js';
import { profileOf } from './identity-profile.js';

/**
 * The customer is known by a new identity from `at` on (WhatsApp: they changed their number).
 * The new identity joins their contact, so their next message finds the contact, its open
 * conversation and its history. The old one is retired, not removed: messages sent before the
 * change still find the contact, and once the number is someone else's, their messages start a
 * contact of their own instead of reading this one's history (resolveIdentity); answers go to
 * the new one. Each step is idempotent and the new identity comes first, so a redelivery finishes
 * a run that stopped midway.
 */
export async function moveToNewIdentity(store: Store, channel: ChannelDoc, current: ContactIdentityDoc, next: ContactIdentity, at: Date): Promise<void> {
  if (next.externalId === current.externalId) return;
  // Taken from another contact if it has one: the number is this customer's now (given up by
  // someone before, or their first message from it got here before the change did).
  await store.contactIdentities.updateOne(
    { channelId: channel._id, externalId: next.externalId },
    {
      $setOnInsert: { workspaceId: channel.workspaceId },
      // A change notice carries no profile: the name and username stay the customer's.
      $set: { contactId: current.contactId, ...profileOf({ ...next, displayName: next.displayName ?? current.displayName, username: next.username ?? current.username }) },
      $unset: { retiredAt: '' },
    },
    { upsert: true },
  );
  // With the number the user id goes too (WhatsApp gives a new one): identities under it are retired alike.
  const underOldIds = [{ _id: current._id }, ...(current.userId ? [{ userId: current.userId }] : [])];
  await store.contactIdentities.updateMany(
    { channelId: channel._id, contactId: current.contactId, externalId: { $ne: next.externalId }, retiredAt: { $exists: false }, $or: underOldIds },
    { $set: { retiredAt: at } },
  );
  // The contact's own phone follows, unless someone set another one.
  if (current.phone && next.phone) await store.contacts.updateOne({ _id: current.contactId, phone: current.phone }, { $set: { phone: next.phone } });
}
