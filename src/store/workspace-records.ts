import type { Model, QueryFilter, Types } from 'mongoose';
import { notFound } from '../errors.js';

/*
 * How the services read a workspace's records: newest-first pages, and one record by id that
 * another workspace's id never finds.
 */

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

/** One record of the workspace by id, or a 404 naming it: another workspace's id is not found either. */
export async function ownRecord<T>(model: Model<T>, workspaceId: Types.ObjectId, id: string, what: string): Promise<T> {
  const found = await model.findOne({ _id: id, workspaceId } as QueryFilter<T>).lean<T>();
  if (!found) throw notFound(what);
  return found;
}
