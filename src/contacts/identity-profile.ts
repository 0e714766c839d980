import type { ContactIdentity } from '../domain/inbound-event.js';

/** What a channel tells about a person besides the key (externalId). */
const PROFILE_FIELDS = ['phone', 'displayName', 'username', 'userId'] as const;
type ProfileField = (typeof PROFILE_FIELDS)[number];

/** The fields an identity gives, to `$set` on its stored copy; what it leaves out is kept. */
export function profileOf(identity: ContactIdentity): Partial<Record<ProfileField, string>> {
  return Object.fromEntries(PROFILE_FIELDS.flatMap((field) => (identity[field] ? [[field, identity[field]]] : [])));
}

/** The fields it leaves out, to `$unset` where the stored copy was someone else's. */
export function absentFrom(identity: ContactIdentity): Partial<Record<ProfileField, ''>> {
  return Object.fromEntries(PROFILE_FIELDS.flatMap((field) => (identity[field] ? [] : [[field, '']])));
}
