import { randomInt } from 'node:crypto';
import type { Types } from 'mongoose';
import type { QueueDoc } from '../store/models/queue.js';

/**
 * The order routing tries a queue's members in: least_busy by fewest held slots, round_robin
 * starting after the last one assigned (`cursor`).
 */
export function inStrategyOrder(queue: QueueDoc, members: Types.ObjectId[], loadOf: (id: Types.ObjectId) => number, cursor: string | null): Types.ObjectId[] {
  if (queue.strategy === 'least_busy') return leastBusyFirst(members, loadOf);
  const position = new Map(queue.agentIds.map((id, i) => [String(id), i]));
  const after = cursor ? (position.get(cursor) ?? -1) : -1;
  const rank = (id: Types.ObjectId) => ((position.get(String(id)) ?? 0) - after - 1 + queue.agentIds.length) % queue.agentIds.length;
  return [...members].sort((a, b) => rank(a) - rank(b));
}

/**
 * Fewest held slots first; equal loads are tried from a random member on, so choosers working at
 * once (which read the same loads) spread over the members instead of all trying the same one.
 */
export function leastBusyFirst(members: Types.ObjectId[], loadOf: (id: Types.ObjectId) => number): Types.ObjectId[] {
  const start = randomInt(Math.max(1, members.length));
  return members
    .map((id, i) => ({ id, n: loadOf(id), tie: (i - start + members.length) % members.length }))
    .sort((a, b) => a.n - b.n || a.tie - b.tie)
    .map(({ id }) => id);
}
