/**
 * One gateway process of test/routing-processes.test.ts: builds its own AppContext on the
 * database and queue prefix it is given (CLAIM_CONFIG, the environment settings as JSON), says
 * "ready", waits for a line on stdin so every process starts at once, then runs its share of the
 * work (CLAIM_WORK) all in parallel and prints one JSON line of outcomes.
 *
 * CLAIM_WORK: { workspaceId, mode: 'assign' | 'route', attempts: [conversationId, agentId?][] }
 */
import { createInterface } from 'node:readline';
import { Types } from 'mongoose';
import { loadConfig } from '../../config/load.js';
import { closeContext, createContext } from '../../src/app/context.js';
import { AppError } from '../../src/errors.js';
import { createLogger } from '../../src/logger.js';

interface Work {
  workspaceId: string;
  mode: 'assign' | 'route';
  attempts: [string, string?][];
}

const config = loadConfig(JSON.parse(process.env.CLAIM_CONFIG ?? '{}') as Record<string, string>);
const work = JSON.parse(process.env.CLAIM_WORK ?? '{}') as Work;
const ctx = await createContext(config, { logger: createLogger('silent') });
const workspaceId = new Types.ObjectId(work.workspaceId);

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
await new Promise((resolve) => lines.once('line', resolve));

const results = await Promise.allSettled(
  work.attempts.map(async ([conversationId, agentId]) => {
    if (work.mode === 'route') return (await ctx.router.route(workspaceId, conversationId))?.status === 'active';
    await ctx.assignment.assign(workspaceId, conversationId, agentId!, { actor: 'automation' });
    return true;
  }),
);
const outcome = {
  won: results.filter((r) => r.status === 'fulfilled' && r.value).length,
  refused: results.flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof AppError ? r.reason.code : String(r.reason)] : [])),
};
process.stdout.write(`${JSON.stringify(outcome)}\n`);
lines.close();
await closeContext(ctx);
