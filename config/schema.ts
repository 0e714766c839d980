import { z } from 'zod';
import { parseRedisUrl } from './redis-url.js';

const MB = 1024 * 1024;

/** A 32-byte key given as 64 hex characters or as base64; undefined when it decodes to another length. */
function decodeKey(value: string): Buffer | undefined {
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  return key.length === 32 ? key : undefined;
}

const KEY_LENGTH_PROBLEM = 'must decode to exactly 32 bytes (64 hex chars or base64)';

const encryptionKey = z
  .string({ error: 'OMNIGATE_ENCRYPTION_KEY is required (32 bytes as 64 hex chars or base64)' })
  .transform((value, ctx) => {
    const key = decodeKey(value);
    if (!key) {
      ctx.addIssue({ code: 'custom', message: KEY_LENGTH_PROBLEM });
      return z.NEVER;
    }
    return key;
  });

/** Keys of a rotation: they open what they sealed, never seal (src/security/secret-box.ts). */
const previousKeys = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const keys = value.split(',').map((k) => k.trim()).filter(Boolean).map(decodeKey);
    const bad = keys.findIndex((k) => !k);
    if (bad >= 0) {
      ctx.addIssue({ code: 'custom', message: `key ${bad + 1} ${KEY_LENGTH_PROBLEM}` });
      return z.NEVER;
    }
    return keys as Buffer[];
  });

/** Browser origins (`https://app.example.com`) allowed to call the API, or `*` for any. */
const corsOrigins = z
  .string()
  .default('')
  .transform((value, ctx) => {
    const origins: string[] = [];
    for (const entry of value.split(',').map((o) => o.trim()).filter(Boolean)) {
      const url = entry === '*' ? undefined : URL.parse(entry);
      if (entry !== '*' && (!url || !/^https?:$/.test(url.protocol) || url.pathname !== '/' || url.search || url.hash || entry.includes('@'))) {
        ctx.addIssue({ code: 'custom', message: `"${entry}" is not an origin like https://app.example.com` });
        return z.NEVER;
      }
      origins.push(url ? url.origin : '*');
    }
    return origins;
  });

const positiveInt = z.coerce.number().int().positive();

/** Every setting, read from the environment; defaults are the production defaults. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** api: HTTP only; worker: jobs only; all: both in one process. */
  OMNIGATE_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The address providers reach us at; webhook URLs and Twilio signatures are built from it. */
  PUBLIC_BASE_URL: z.url().default('http://localhost:8080'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI'),
  /** One Redis (`redis://`, `rediss://`) or a Redis Cluster by some of its nodes (`redis+cluster://host:7000,host:7001/`, config/redis-url.ts). */
  REDIS_URL: z.string().superRefine((value, ctx) => {
    try {
      parseRedisUrl(value);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
  /** Prefix of every Redis key, so several deployments can share one Redis (on a cluster, each queue's is `{<prefix>:<queue>}`). */
  QUEUE_PREFIX: z.string().min(1).default('omnigate'),
  OMNIGATE_ENCRYPTION_KEY: encryptionKey,
  /** Comma-separated keys that sealed secrets before the current one; `omnigate secrets reseal` makes them unneeded. */
  OMNIGATE_PREVIOUS_ENCRYPTION_KEYS: previousKeys,
  /** Bearer token for the instance-level admin routes (creating workspaces). */
  OMNIGATE_ADMIN_TOKEN: z.string().min(24, 'OMNIGATE_ADMIN_TOKEN must be at least 24 characters'),
  /** Comma-separated browser origins allowed to call the API and open the realtime socket (CORS); empty: none. */
  CORS_ORIGINS: corsOrigins,
  /**
   * The proxies in front of the gateway whose X-Forwarded-For is believed (express's `trust proxy`:
   * a hop count like `1`, or addresses and CIDRs like `loopback, 10.0.0.0/8`); empty: none, the
   * peer's address is the client's. Per-address limits (web chat) count what this yields.
   */
  TRUST_PROXY: z
    .string()
    .default('')
    .transform((v) => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim())),
  /** Bearer token `/metrics` requires; without it `/metrics` is open (it holds counts, never content or ids). */
  METRICS_TOKEN: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Meta's Graph API; tests and the local provider sandbox stand in for it. */
  GRAPH_API_BASE_URL: z.url().default('https://graph.facebook.com'),
  GRAPH_API_VERSION: z.string().regex(/^v\d+\.\d+$/).default('v23.0'),
  /** Twilio's API: sends and media downloads (a local provider sandbox may stand in for it). */
  TWILIO_API_BASE_URL: z.url().default('https://api.twilio.com'),
  /** Largest webhook or API body accepted (Meta sends up to about 3 MB). */
  MAX_BODY_BYTES: positiveInt.default(3 * MB),
  /** How many times a send is attempted before the message is marked failed. */
  SEND_ATTEMPTS: positiveInt.default(6),
  /** First retry delay of a send; later ones double. */
  SEND_BACKOFF_MS: positiveInt.default(2000),
  /** How long the AI agent waits for its backend (a model's answer, a bot's acknowledgement) per attempt. */
  AI_AGENT_TIMEOUT_MS: positiveInt.default(30_000),
  /** How long a webhook bot has to answer a customer message it acknowledged before people take over. */
  AI_AGENT_BOT_ANSWER_MS: positiveInt.default(120_000),
  /** Attempts at an AI agent's answer before the conversation is handed to people. */
  AI_AGENT_ATTEMPTS: positiveInt.default(3),
  /** First retry delay of an AI agent's answer; later ones double. */
  AI_AGENT_BACKOFF_MS: positiveInt.default(2000),
  /** AI agent answers worked on at once per process (each mostly waits on its backend). */
  AI_AGENT_CONCURRENCY: positiveInt.default(8),
  /** Comma-separated hosts that webhook subscriptions may target although private or loopback. */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean)),
  /** How long after a secret rotation deliveries are also signed with the previous secret. */
  WEBHOOK_SECRET_ROTATION_HOURS: positiveInt.default(24),
  /** An endpoint with no successful delivery for this many days of failures is disabled. */
  WEBHOOK_DISABLE_AFTER_DAYS: positiveInt.default(5),
  /** Days a provider request is kept once processed (src/retention/retention-sweep.ts). */
  RAW_EVENT_RETENTION_DAYS: positiveInt.default(7),
  /** Hours an API answer is kept for its Idempotency-Key. */
  IDEMPOTENCY_RETENTION_HOURS: positiveInt.default(24),
  /** Days finished webhook deliveries and dispatched events are kept (the delivery log, replays). */
  DELIVERY_LOG_RETENTION_DAYS: positiveInt.default(30),
  /** How often a failing endpoint's oldest waiting delivery is tried early, to learn that it answers again (src/webhooks/endpoint-probe.ts). */
  WEBHOOK_PROBE_SECONDS: positiveInt.default(60),
  /** Requests one endpoint may have open at once; more wait, so a slow helpdesk cannot hold every webhook worker. */
  WEBHOOK_MAX_IN_FLIGHT: positiveInt.default(4),
  /** Requests per minute each API key may make to /v1 on average; 0 turns the limit off. */
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Requests a key may make at once before the average applies (RateLimit-Limit). */
  API_RATE_LIMIT_BURST: positiveInt.default(100),
  /** Per-key rates: comma-separated `<API key id>=<requests per minute>` (0: unlimited). */
  API_RATE_LIMIT_OVERRIDES: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const overrides: Record<string, number> = {};
      for (const entry of v.split(',').map((e) => e.trim()).filter(Boolean)) {
        const [keyId, rate] = entry.split('=').map((p) => p.trim());
        if (!keyId || !/^\d+$/.test(rate ?? '')) {
          ctx.addIssue({ code: 'custom', message: `"${entry}" is not <API key id>=<requests per minute>` });
          return z.NEVER;
        }
        overrides[keyId] = Number(rate);
      }
      return overrides;
    }),
  /** Web chat: requests per minute one visitor may make (messages, uploads, receipts, history), in bursts of a tenth of that; 0 turns the limit off. */
  WEBCHAT_VISITOR_PER_MINUTE: z.coerce.number().int().min(0).default(60),
  /** Web chat: requests per minute from one IP address to the visitor API (sessions included); 0 turns the limit off. */
  WEBCHAT_IP_PER_MINUTE: z.coerce.number().int().min(0).default(600),
  /** Web chat: files per minute one IP address may upload (each up to 10 MB); 0 turns the limit off. */
  WEBCHAT_UPLOADS_PER_IP_PER_MINUTE: z.coerce.number().int().min(0).default(10),
  INGEST_CONCURRENCY: positiveInt.default(8),
  SEND_CONCURRENCY: positiveInt.default(8),
  /** How long a graceful shutdown waits for HTTP requests and running jobs. */
  SHUTDOWN_TIMEOUT_MS: positiveInt.default(15_000),
});

export type Config = z.infer<typeof configSchema>;
