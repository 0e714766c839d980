import { Types } from 'mongoose';
import type { Clock } from '../clock.js';
import { notFound, unprocessable } from '../errors.js';
import type { Store } from '../store/index.js';
import { dayContaining } from './day.js';
import { ConversationTally, CsatTally, type ConversationMetrics, type CsatMetrics } from './metrics.js';

export interface AnalyticsQuery {
  workspaceId: Types.ObjectId;
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  /** IANA timezone of "today". */
  timezone: string;
  channelId?: string;
  queueId?: string;
  /** The conversations' assignee (who handled them). */
  agentId?: string;
}

export interface AnalyticsReport {
  conversations: Pick<ConversationMetrics, 'total' | 'open'> & { resolvedToday: number };
  firstResponseTime: ConversationMetrics['firstResponseTime'];
  resolutionTime: ConversationMetrics['resolutionTime'];
  messages: { inbound: number; outbound: number };
  csat: CsatMetrics;
}

/**
 * The most conversations one report reads (those created in the range, or, with a queue or agent
 * filter, those whose messages are counted): beyond it the answer is 422 and a narrower range
 * is needed. Keeps the cost of one request bounded.
 */
export const MAX_CONVERSATIONS_READ = 100_000;

const tooMany = () =>
  unprocessable('analytics_range_too_large', `More than ${MAX_CONVERSATIONS_READ} conversations match: narrow the range or filter`, { limit: MAX_CONVERSATIONS_READ });

/**
 * The store side of GET /v1/analytics: selects the records and streams or groups them into the
 * pure tallies of metrics.ts. Only what both MongoDB and FerretDB run is used: finds with a
 * projection, counts, and `$match` + `$group` with `$sum`. Aggregation does not cast, so ids
 * in its `$match` are ObjectIds.
 */
export class AnalyticsService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  async report(q: AnalyticsQuery): Promise<AnalyticsReport> {
    await this.checkFilters(q);
    const [conversations, resolvedToday, messages, csat] = await Promise.all([
      this.conversationMetrics(q),
      this.resolvedToday(q),
      this.messageCounts(q),
      this.csatMetrics(q),
    ]);
    const { total, open, firstResponseTime, resolutionTime } = conversations;
    return { conversations: { total, open, resolvedToday }, firstResponseTime, resolutionTime, messages, csat };
  }

  /** A filter naming another workspace's record is a 404, like any other use of its id. */
  private async checkFilters({ workspaceId, channelId, queueId, agentId }: AnalyticsQuery): Promise<void> {
    const { store } = this.deps;
    const [channel, queue, agent] = await Promise.all([
      channelId && store.channels.exists({ _id: channelId, workspaceId }),
      queueId && store.routingQueues.exists({ _id: queueId, workspaceId }),
      agentId && store.agents.exists({ _id: agentId, workspaceId }),
    ]);
    if (channelId && !channel) throw notFound('Channel');
    if (queueId && !queue) throw notFound('Queue');
    if (agentId && !agent) throw notFound('Agent');
  }

  /**
   * Conversations created in the range: a count, then one projected pass over them. The range is
   * not indexed on conversations today (the workspace's indexes narrow it), so the read grows with
   * the workspace; an index on (workspaceId, createdAt) would make it grow with the range.
   */
  private async conversationMetrics(q: AnalyticsQuery): Promise<ConversationMetrics> {
    const filter = { ...conversationScope(q), createdAt: { $gte: q.from, $lt: q.to } };
    if ((await this.deps.store.conversations.countDocuments(filter)) > MAX_CONVERSATIONS_READ) throw tooMany();
    const tally = new ConversationTally();
    const cursor = this.deps.store.conversations
      .find(filter, { status: 1, createdAt: 1, firstResponseAt: 1, resolvedAt: 1 })
      .lean()
      .cursor({ batchSize: 1000 });
    for await (const c of cursor) tally.add(c);
    return tally.result();
  }

  private async resolvedToday(q: AnalyticsQuery): Promise<number> {
    const today = dayContaining(this.deps.clock.now(), q.timezone);
    return this.deps.store.conversations.countDocuments({ ...conversationScope(q), resolvedAt: { $gte: today.start, $lt: today.end } });
  }

  /**
   * Messages created in the range by direction, notes excluded; business echoes are outbound.
   * A channel filter is on the message itself; a queue or agent filter goes through the ids of
   * the matching conversations that existed before the range ended.
   */
  private async messageCounts(q: AnalyticsQuery): Promise<AnalyticsReport['messages']> {
    const { store } = this.deps;
    const match: Record<string, unknown> = {
      workspaceId: q.workspaceId,
      createdAt: { $gte: q.from, $lt: q.to },
      internal: { $ne: true },
      ...(q.channelId && { channelId: new Types.ObjectId(q.channelId) }),
    };
    if (q.queueId || q.agentId) {
      const ids = await store.conversations
        .find({ ...conversationScope(q), createdAt: { $lt: q.to } }, { _id: 1 })
        .limit(MAX_CONVERSATIONS_READ + 1)
        .lean();
      if (ids.length > MAX_CONVERSATIONS_READ) throw tooMany();
      match.conversationId = { $in: ids.map((c) => c._id) };
    }
    const groups = await store.messages.aggregate<{ _id: string; n: number }>([{ $match: match }, { $group: { _id: '$direction', n: { $sum: 1 } } }]);
    const count = (direction: string) => groups.find((g) => g._id === direction)?.n ?? 0;
    return { inbound: count('inbound'), outbound: count('outbound') };
  }

  /** Ratings received in the range, grouped by score; requests sent in the range and how many of them were rated. */
  private async csatMetrics(q: AnalyticsQuery): Promise<CsatMetrics> {
    const { store } = this.deps;
    const scope = {
      workspaceId: q.workspaceId,
      ...(q.channelId && { channelId: new Types.ObjectId(q.channelId) }),
      ...(q.queueId && { queueId: new Types.ObjectId(q.queueId) }),
      ...(q.agentId && { agentId: new Types.ObjectId(q.agentId) }),
    };
    const range = { $gte: q.from, $lt: q.to };
    const [groups, sent, responded] = await Promise.all([
      store.csatRatings.aggregate<{ _id: number; n: number }>([{ $match: { ...scope, at: range } }, { $group: { _id: '$rating', n: { $sum: 1 } } }]),
      store.csatRequests.countDocuments({ ...scope, state: 'sent', at: range }),
      store.csatRatings.countDocuments({ ...scope, requestedAt: range }),
    ]);
    const tally = new CsatTally();
    for (const g of groups) tally.add(g._id, g.n);
    return tally.result({ sent, responded });
  }
}

/** The conversations the filters select (agent = assignee). */
function conversationScope(q: AnalyticsQuery): Record<string, unknown> {
  return {
    workspaceId: q.workspaceId,
    ...(q.channelId && { channelId: q.channelId }),
    ...(q.queueId && { queueId: q.queueId }),
    ...(q.agentId && { assigneeId: q.agentId }),
  };
}
