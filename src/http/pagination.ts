import type { Types } from 'mongoose';

/** Newest-first pages keyed on _id: stable under inserts, served by the (workspaceId, _id) indexes. */
export function cursorFilter(cursor: string | undefined): Record<string, unknown> {
  return cursor ? { _id: { $lt: cursor } } : {};
}

export function page<T extends { _id: Types.ObjectId }, R>(docs: T[], limit: number, toApi: (d: T) => R) {
  const items = docs.slice(0, limit);
  const last = items[items.length - 1];
  return { data: items.map(toApi), nextCursor: docs.length > limit && last ? String(last._id) : null };
}
