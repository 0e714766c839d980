/** How the suite reports: a summary per fault, what failed, and one table of every fault. */
import type { FaultOutcome } from './run-fault.js';
import type { Figures } from './tally.js';

/** What makes a fault fail: any of these above zero. */
const FAILURES = ['lost', 'duplicated', 'unacknowledged', 'undelivered', 'orderViolations', 'badSignatures'] as const;

export function failuresOf(figures: Figures): string[] {
  return FAILURES.filter((name) => figures[name] > 0).map((name) => `${name} ${figures[name]}`);
}

export function summaryOf({ figures: f, settleSeconds }: FaultOutcome): string[] {
  const lines = [
    `sent ${f.sent}, acknowledged ${f.acknowledged}, stored ${f.stored}, lost ${f.lost}, duplicated ${f.duplicated}, events delivered ${f.delivered}, order violations ${f.orderViolations}`,
    `unacknowledged ${f.unacknowledged}, undelivered ${f.undelivered}, bad signatures ${f.badSignatures}; provider retries ${f.providerRetries}, redeliveries (same webhook-id) ${f.redeliveries}; settled ${settleSeconds} s after the last first post`,
  ];
  for (const [kind, ids] of Object.entries(f.examples)) if (ids.length > 0) lines.push(`${kind}: ${ids.join('; ')}`);
  return lines;
}

export function tableOf(outcomes: FaultOutcome[]): string[] {
  const header = ['fault', 'sent', 'acknowledged', 'stored', 'lost', 'duplicated', 'events delivered', 'order violations', 'provider retries', 'redeliveries', 'settled after (s)', 'result'];
  const rows = outcomes.map(({ fault, figures: f, settleSeconds }) => {
    const failures = failuresOf(f);
    const result = failures.length > 0 ? `FAIL (${failures.join(', ')})` : 'pass';
    return [fault.id, f.sent, f.acknowledged, f.stored, f.lost, f.duplicated, f.delivered, f.orderViolations, f.providerRetries, f.redeliveries, settleSeconds, result];
  });
  return [header, header.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`);
}
