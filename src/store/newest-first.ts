import type { Model, QueryFilter } from 'mongoose';

/** A page of a newest-first list: `limit` records after `cursor`, the last _id the caller saw. */
export interface PageRequest {
  cursor?: string;
  limit: number;
}

/**
 * Newest first by _id, stable under inserts and served by the (workspaceId, _id) indexes:
 * `limit + 1` records, so the caller can tell whether a next page exists.
 */
export function newestFirst<T>(model: Model<T>, filter: QueryFilter<T>, { cursor, limit }: PageRequest): Promise<T[]> {
  return model
    .find({ ...filter, ...(cursor && { _id: { $lt: cursor } }) })
    .sort({ _id: -1 })
    .limit(limit + 1)
    .lean<T[]>();
}
