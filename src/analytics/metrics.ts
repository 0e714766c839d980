import { isOpen, type ConversationStatus } from '../domain/conversation.js';
import { average, percentile } from './stats.js';

/**
 * The metric definitions of GET /v1/analytics, pure: the store side (analytics-service.ts)
 * streams the selected records through these tallies. Durations are in seconds.
 */

/** What a conversation created in the range contributes. */
export interface ConversationFacts {
  status: ConversationStatus;
  createdAt: Date;
  firstResponseAt?: Date | null;
  resolvedAt?: Date | null;
}

export interface DurationSummary {
  /** How many conversations had the duration. */
  count: number;
  averageSeconds: number | null;
}

export interface ConversationMetrics {
  /** Created in the range. */
  total: number;
  /** Of those, currently queued, active, pending or snoozed. */
  open: number;
  /** firstResponseAt - createdAt of those that have had a first response; p90 by nearest rank. */
  firstResponseTime: DurationSummary & { p90Seconds: number | null };
  /** resolvedAt - createdAt of those that have one (resolved, or closed after it; reopening clears it). */
  resolutionTime: DurationSummary;
}

const P90 = 90;

/** Seconds with millisecond precision; a clock skew never makes a duration negative. */
const secondsBetween = (from: Date, to: Date) => Math.max(0, to.getTime() - from.getTime()) / 1000;
const toMillis = (seconds: number | null) => (seconds === null ? null : Math.round(seconds * 1000) / 1000);

export class ConversationTally {
  private total = 0;
  private open = 0;
  private readonly firstResponses: number[] = [];
  private readonly resolutions: number[] = [];

  add(c: ConversationFacts): void {
    this.total += 1;
    if (isOpen(c.status)) this.open += 1;
    if (c.firstResponseAt) this.firstResponses.push(secondsBetween(c.createdAt, c.firstResponseAt));
    if (c.resolvedAt) this.resolutions.push(secondsBetween(c.createdAt, c.resolvedAt));
  }

  result(): ConversationMetrics {
    return {
      total: this.total,
      open: this.open,
      firstResponseTime: {
        count: this.firstResponses.length,
        averageSeconds: toMillis(average(this.firstResponses)),
        p90Seconds: percentile(this.firstResponses, P90),
      },
      resolutionTime: { count: this.resolutions.length, averageSeconds: toMillis(average(this.resolutions)) },
    };
  }
}

/** The scores a customer may give. */
export const CSAT_SCORES = [1, 2, 3, 4, 5] as const;

export interface CsatMetrics {
  /** Ratings received in the range. */
  ratings: number;
  average: number | null;
  /** How many ratings gave each score, "1" to "5". */
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
  /** Rating requests sent in the range (skipped ones are not requests). */
  requests: number;
  /** Of those requests, how many have been rated (whenever the rating came). */
  responded: number;
  /** responded / requests; null without requests. */
  responseRate: number | null;
}

export class CsatTally {
  /** How many ratings gave each score. */
  private readonly counts = new Map<number, number>();

  /** `times` ratings of `score` (a grouped count from the store, or one rating). */
  add(score: number, times = 1): void {
    this.counts.set(score, (this.counts.get(score) ?? 0) + times);
  }

  result(requests: { sent: number; responded: number }): CsatMetrics {
    let ratings = 0;
    let sum = 0;
    for (const [score, n] of this.counts) {
      ratings += n;
      sum += score * n;
    }
    return {
      ratings,
      average: ratings === 0 ? null : Math.round((sum / ratings) * 100) / 100,
      distribution: Object.fromEntries(CSAT_SCORES.map((score) => [score, this.counts.get(score) ?? 0])) as CsatMetrics['distribution'],
      requests: requests.sent,
      responded: requests.responded,
      responseRate: requests.sent === 0 ? null : Math.round((requests.responded / requests.sent) * 10_000) / 10_000,
    };
  }
}
