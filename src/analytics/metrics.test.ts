import { describe, expect, it } from 'vitest';
import { ConversationTally, CsatTally, type ConversationFacts } from './metrics.js';

const T0 = new Date('2026-01-15T10:00:00Z');
const after = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const conversation = (facts: Partial<ConversationFacts>): ConversationFacts => ({ status: 'queued', createdAt: T0, ...facts });

describe('ConversationTally', () => {
  it('counts every conversation in total and the open statuses in open', () => {
    const tally = new ConversationTally();
    for (const status of ['queued', 'active', 'pending', 'snoozed', 'resolved', 'closed', 'abandoned'] as const) tally.add(conversation({ status }));
    expect(tally.result()).toMatchObject({ total: 7, open: 4 });
  });

  it('takes first response times over the conversations that have one: average and nearest-rank p90', () => {
    const tally = new ConversationTally();
    // 10 responded: 10 s ... 100 s; one never answered.
    for (let i = 1; i <= 10; i++) tally.add(conversation({ status: 'active', firstResponseAt: after(i * 10) }));
    tally.add(conversation({ status: 'queued' }));
    expect(tally.result().firstResponseTime).toEqual({ count: 10, averageSeconds: 55, p90Seconds: 90 });
  });

  it('takes resolution times over the conversations with a resolvedAt', () => {
    const tally = new ConversationTally();
    tally.add(conversation({ status: 'resolved', resolvedAt: after(3600) }));
    tally.add(conversation({ status: 'closed', resolvedAt: after(1800) }));
    tally.add(conversation({ status: 'closed' })); // closed without being resolved
    tally.add(conversation({ status: 'active' }));
    expect(tally.result().resolutionTime).toEqual({ count: 2, averageSeconds: 2700 });
  });

  it('keeps millisecond precision and never a negative duration', () => {
    const tally = new ConversationTally();
    tally.add(conversation({ firstResponseAt: new Date(T0.getTime() + 1) }));
    tally.add(conversation({ firstResponseAt: new Date(T0.getTime() + 2) }));
    tally.add(conversation({ firstResponseAt: new Date(T0.getTime() - 5000) }));
    expect(tally.result().firstResponseTime).toEqual({ count: 3, averageSeconds: 0.001, p90Seconds: 0.002 });
  });

  it('reports no averages, not zeros, when nothing qualifies', () => {
    expect(new ConversationTally().result()).toEqual({
      total: 0,
      open: 0,
      firstResponseTime: { count: 0, averageSeconds: null, p90Seconds: null },
      resolutionTime: { count: 0, averageSeconds: null },
    });
  });
});

describe('CsatTally', () => {
  it('counts, averages and distributes the ratings, with the response rate of the requests', () => {
    const tally = new CsatTally();
    for (const r of [5, 4, 4, 1]) tally.add(r);
    expect(tally.result({ sent: 6, responded: 3 })).toEqual({
      ratings: 4,
      average: 3.5,
      distribution: { '1': 1, '2': 0, '3': 0, '4': 2, '5': 1 },
      requests: 6,
      responded: 3,
      responseRate: 0.5,
    });
  });

  it('takes grouped counts', () => {
    const tally = new CsatTally();
    tally.add(5, 3);
    tally.add(2, 1);
    expect(tally.result({ sent: 4, responded: 4 })).toMatchObject({ ratings: 4, average: 4.25, distribution: { '1': 0, '2': 1, '3': 0, '4': 0, '5': 3 }, responseRate: 1 });
  });

  it('rounds the average to 2 decimals and the rate to 4', () => {
    const tally = new CsatTally();
    for (const r of [5, 4, 4]) tally.add(r);
    expect(tally.result({ sent: 3, responded: 2 })).toMatchObject({ average: 4.33, responseRate: 0.6667 });
  });

  it('has no average and no rate without ratings or requests', () => {
    expect(new CsatTally().result({ sent: 0, responded: 0 })).toMatchObject({ ratings: 0, average: null, responseRate: null });
  });
});
