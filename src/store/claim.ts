import type { Model, QueryFilter } from 'mongoose';
import { isDuplicateKeyError } from '../errors.js';

/**
 * Inserts a record whose unique _id names one step (e.g. "message M leaves status S"): true for
 * the one writer whose insert lands, false for every other. Conditional updates are not atomic
 * under concurrency on every MongoDB-compatible server (FerretDB, on PostgreSQL too, lets two
 * `findOneAndUpdate`s with the same filter both win); a unique index is, everywhere.
 */
export async function claimOnce<T extends { _id: string }>(model: Model<T>, record: T): Promise<boolean> {
  try {
    await model.create(record);
    return true;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

/** Gives a claim back when the step it was taken for did not happen after all. */
export async function releaseClaim<T extends { _id: string }>(model: Model<T>, id: string): Promise<void> {
  await model.deleteOne({ _id: id } as never);
}

/**
 * Inserts `record`, or, when a unique index says a concurrent writer got there first, reads the
 * winner's document by `winner`: creators racing for the same record all end with the one stored.
 */
export async function insertOrFindWinner<T>(model: Model<T>, record: Partial<T>, winner: QueryFilter<T>): Promise<{ doc: T; inserted: boolean }> {
  try {
    return { doc: (await model.create(record)).toObject() as T, inserted: true };
  } catch (err) {
    if (!isDuplicateKeyError(err)) throw err;
    const existing = await model.findOne(winner).lean<T>();
    if (!existing) throw err;
    return { doc: existing, inserted: false };
  }
}
