import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { CLIENT_MESSAGE_ID } from '../../domain/visitor-message.js';
import { AppError, badRequest } from '../../errors.js';
import type { VisitorConversations } from '../../webchat/visitor-conversations.js';
import type { VisitorLimits } from '../../webchat/visitor-limits.js';
import { publicSettings, type Visitor, type VisitorSessions } from '../../webchat/visitor-sessions.js';
import type { WidgetBundle } from '../../webchat/widget-bundle.js';
import type { Operations } from '../operation.js';

export interface WebchatRouteDeps {
  visitorSessions: VisitorSessions;
  visitorConversations: VisitorConversations;
  visitorLimits: VisitorLimits;
  /** The widget's script, built once per process. */
  widgetBundle: () => Promise<WidgetBundle>;
}

/** How long browsers and caches keep the widget's script before asking again (with its ETag). */
const WIDGET_MAX_AGE_SECONDS = 300;
/** How long a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

const clientMessageId = z.string().regex(CLIENT_MESSAGE_ID, 'must be 8 to 64 letters, digits, - or _');

const visitorSessionBody = z.strictObject({
  token: z.string().max(2048).optional().describe('The token a previous session gave, kept in the browser'),
  userId: z.string().min(1).max(200).optional().describe("A logged-in user's id, as the business knows it"),
  userHash: z.string().max(128).optional().describe('HMAC-SHA256(identitySecret, userId) in hex, computed by the business\'s server'),
  name: z.string().trim().min(1).max(100).optional(),
});

const visitorMessageBody = z
  .strictObject({
    clientMessageId: clientMessageId.describe('Chosen by the widget; a retry with the same id is the same message'),
    text: z.string().max(4096).optional(),
    upload: z.strictObject({ mediaId: z.string().regex(/^[0-9a-f]{24}$/), ticket: z.string().max(100) }).optional().describe('A file uploaded with POST …/uploads'),
  })
  .refine((m) => Boolean(m.text?.trim()) || m.upload !== undefined, { message: 'give text, an upload or both' });

const visitorReceiptBody = z.strictObject({
  status: z.enum(['delivered', 'read']),
  watermark: z.iso.datetime().describe("The `sentAt` of the newest business message shown (delivered) or seen (read)"),
});

const widgetSettings = z
  .object({
    title: z.string(),
    greeting: z.string(),
    colors: z.object({ primary: z.string(), onPrimary: z.string() }),
    promptChips: z.array(z.string()),
  })
  .meta({ id: 'WebchatSettings' });

const visitorSessionResponse = z
  .object({
    token: z.string().describe('Sent as `Authorization: Bearer` and on the socket; lasts 24 h from this answer'),
    visitorId: z.string(),
    expiresAt: z.string(),
    settings: widgetSettings,
  })
  .meta({ id: 'VisitorSession' });

const visitorMessageResponse = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    from: z.enum(['visitor', 'business']),
    clientMessageId: z.string().nullable(),
    type: z.enum(['text', 'image', 'document', 'unsupported']),
    text: z.string().nullable(),
    media: z.object({ url: z.string(), mimeType: z.string().nullable(), filename: z.string().nullable() }).nullable(),
    status: z.string(),
    createdAt: z.string(),
    sentAt: z.string().nullable(),
  })
  .meta({ id: 'VisitorMessage' });

const visitorHistoryResponse = z
  .object({
    conversation: z
      .object({ id: z.string(), status: z.string(), seenAt: z.string().nullable().describe('When an agent last read the conversation') })
      .nullable()
      .describe('null when the visitor has no conversation with a message in the last 24 h'),
    messages: z.array(visitorMessageResponse),
    lastEventId: z.string().describe('Where the socket should start (`lastEventId`) to miss nothing after this answer'),
  })
  .meta({ id: 'VisitorConversation' });

const visitorSentResponse = z.object({ clientMessageId: z.string(), token: z.string(), expiresAt: z.string() }).meta({ id: 'VisitorMessageRecorded' });
const visitorUploadResponse = z.object({ mediaId: z.string(), ticket: z.string(), kind: z.enum(['image', 'document']) }).meta({ id: 'VisitorUpload' });

/** The channel of the path (these routes sit under `/v1/channels/:channelId`). */
const channelIdOf = (req: Request) => String((req.params as { channelId?: string }).channelId);

const tokenOf = (req: Request): string | undefined => {
  const header = req.get('authorization');
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
};

/**
 * The web chat's public side: the widget's script (`/webchat/widget.js`) and the visitor API
 * (`/webchat/v1/channels/:channelId/…`), answered only to pages of the channel's allowed origins
 * (CORS), limited per address and per visitor. No API key: a visitor's token is its credential
 * and names its own conversation only.
 */
export function webchatRoutes(deps: WebchatRouteDeps): Router {
  const router = Router();
  const { visitorSessions: sessions, visitorConversations: conversations, visitorLimits: limits } = deps;

  router.get('/widget.js', async (req, res) => {
    const bundle = await deps.widgetBundle();
    res.set({
      'cache-control': `public, max-age=${WIDGET_MAX_AGE_SECONDS}, stale-while-revalidate=86400`,
      etag: bundle.etag,
      vary: 'Accept-Encoding',
      // Any site embeds it.
      'cross-origin-resource-policy': 'cross-origin',
    });
    if (req.fresh) return void res.status(304).end();
    const gzip = req.acceptsEncodings('gzip') === 'gzip';
    res.type('text/javascript; charset=utf-8');
    if (gzip) res.set('content-encoding', 'gzip');
    res.send(gzip ? bundle.gzipped : bundle.script);
  });

  const channels = Router({ mergeParams: true });
  router.use('/v1/channels/:channelId', perChannelCors(sessions, limits), channels);

  /** The visitor the request's token names, within its limit. */
  const visitorOf = async (req: Request): Promise<Visitor> => {
    const visitor = await sessions.authenticate(channelIdOf(req), tokenOf(req));
    await limits.byVisitor(visitor.channel.id, visitor.claims.visitorId);
    return visitor;
  };
  const json = express.json({ limit: '16kb' });

  channels.get('/settings', async (req, res) => {
    res.json(publicSettings((await sessions.channel(channelIdOf(req))).settings));
  });
  channels.post('/sessions', json, async (req, res) => {
    const body = visitorSessionBody.parse(req.body ?? {});
    const channel = await sessions.channel(channelIdOf(req));
    const session = await sessions.start(channel, body);
    res.status(201).json({ token: session.token, visitorId: session.visitorId, expiresAt: session.expiresAt.toISOString(), settings: publicSettings(channel.settings) });
  });
  channels.get('/conversation', async (req, res) => {
    res.set('cache-control', 'no-store').json(await conversations.history(await visitorOf(req)));
  });
  channels.post('/messages', json, async (req, res) => {
    const visitor = await visitorOf(req);
    const body = visitorMessageBody.parse(req.body);
    await conversations.send(visitor, tokenOf(req)!, body);
    // A fresh token: an ongoing conversation keeps its visitor 24 h after its last message.
    const fresh = sessions.issue(visitor.channel, visitor.claims.visitorId, visitor.claims.name);
    res.status(202).json({ clientMessageId: body.clientMessageId, token: fresh.token, expiresAt: fresh.expiresAt.toISOString() });
  });
  channels.post('/receipts', json, async (req, res) => {
    const visitor = await visitorOf(req);
    const body = visitorReceiptBody.parse(req.body);
    await conversations.receipt(visitor, tokenOf(req)!, { status: body.status, watermark: new Date(body.watermark) });
    res.status(202).json({ recorded: true });
  });
  // Counted before the body is read: anyone may upload, and a file takes space until it is sent.
  const uploadLimit: RequestHandler = async (req, _res, next) => {
    await limits.uploadsByIp(req.ip ?? 'unknown');
    next();
  };
  channels.post('/uploads', uploadLimit, express.raw({ type: () => true, limit: '10mb' }), async (req, res) => {
    const visitor = await visitorOf(req);
    const mimeType = req.get('content-type');
    if (!mimeType || !Buffer.isBuffer(req.body)) throw badRequest('invalid_media', 'Send the file as the raw body with its Content-Type');
    const filename = req.get('x-filename')?.slice(0, 200) || undefined;
    res.status(201).json(await conversations.upload(visitor, { data: req.body, mimeType, filename }));
  });
  channels.get('/media/:mediaId', async (req, res) => {
    const channel = await sessions.channel(channelIdOf(req));
    const stored = await conversations.media(channel, String(req.params.mediaId), String(req.query.ticket ?? ''));
    // Never run as a page of the gateway's origin: files are shown, not executed.
    res.set({ 'cache-control': 'private, max-age=86400', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; sandbox" });
    res.type(stored.info.mimeType).send(stored.data);
  });
  // The visitor's and the address's limits say when to come back, as the API keys' limit does.
  router.use((err: unknown, _req: Request, res: Response, next: (err: unknown) => void) => {
    const retryAfter = err instanceof AppError && err.code === 'rate_limited' ? (err.details as { retryAfterSeconds?: number }).retryAfterSeconds : undefined;
    if (retryAfter) res.set('retry-after', String(retryAfter));
    next(err);
  });
  return router;
}

/**
 * CORS per channel: a page's Origin must be one of the channel's allowed origins (403
 * origin_not_allowed otherwise, preflights included, so no request with a token or a body is
 * ever sent from elsewhere); a request without one is no browser's. Every request is first
 * counted against its address's limit.
 */
function perChannelCors(sessions: VisitorSessions, limits: VisitorLimits): RequestHandler {
  return async (req: Request, res: Response, next) => {
    res.vary('Origin');
    const origin = req.get('origin');
    const preflight = req.method === 'OPTIONS';
    // A page may read any answer but a preflight's: a refusal (its origin, its channel) is all a
    // page of another origin ever gets, and the widget says why instead of failing blindly.
    if (origin && !preflight) res.set({ 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After' });
    await limits.byIp(req.ip ?? 'unknown');
    sessions.checkOrigin(await sessions.channel(channelIdOf(req)), origin);
    if (!preflight) return next();
    res.set({
      'access-control-allow-origin': origin ?? '*',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'Authorization, Content-Type, X-Filename',
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
    });
    res.status(204).end();
  };
}

const visitorErrors = ['invalid_visitor_token', 'origin_not_allowed', 'unknown_channel', 'rate_limited'] as const;

/** OpenAPI entries for these routes, to spread into the spec's OPERATIONS. */
export const webchatOperations: Operations = {
  '/webchat/widget.js': {
    get: {
      operationId: 'getWebchatWidget',
      summary: 'The widget\'s script, minified (gzip when accepted), with an ETag and a 5-minute cache: embed it with `<script src=".../webchat/widget.js" data-channel="<channelId>">`',
      tags: ['web chat'],
      auth: 'none',
      responses: { '200': 'The script', '304': 'Not modified (If-None-Match)' },
    },
  },
  '/webchat/v1/channels/{channelId}/settings': {
    get: {
      operationId: 'getWebchatSettings',
      summary: "The widget's title, greeting, colours and prompt chips",
      tags: ['web chat'],
      auth: 'none',
      responses: { '200': { description: 'The settings', schema: widgetSettings } },
      errors: ['origin_not_allowed', 'unknown_channel', 'rate_limited'],
    },
  },
  '/webchat/v1/channels/{channelId}/sessions': {
    post: {
      operationId: 'startVisitorSession',
      summary:
        'Start or resume a visitor: a stored token keeps its visitor while its conversation had a message in the last 24 h; a logged-in user is passed as userId with its HMAC (userHash) and is the same visitor on every device; anyone else gets a new anonymous visitor',
      tags: ['web chat'],
      auth: 'none',
      idempotent: false,
      body: visitorSessionBody,
      responses: { '201': { description: 'The visitor and its token', schema: visitorSessionResponse } },
      errors: ['invalid_identity', 'origin_not_allowed', 'unknown_channel', 'rate_limited'],
    },
  },
  '/webchat/v1/channels/{channelId}/conversation': {
    get: {
      operationId: 'getVisitorConversation',
      summary: "The visitor's conversation (its last message under 24 h old) and its messages, oldest first (`Authorization: Bearer <visitor token>`)",
      tags: ['web chat'],
      auth: 'visitorToken',
      responses: { '200': { description: 'The conversation', schema: visitorHistoryResponse } },
      errors: visitorErrors,
    },
  },
  '/webchat/v1/channels/{channelId}/messages': {
    post: {
      operationId: 'sendVisitorMessage',
      summary: 'The visitor writes: recorded before it is acknowledged; a retry with the same clientMessageId is the same message',
      tags: ['web chat'],
      auth: 'visitorToken',
      idempotent: false,
      body: visitorMessageBody,
      responses: { '202': { description: 'Recorded; it reaches the conversation a moment later (and the visitor\'s socket)', schema: visitorSentResponse } },
      errors: [...visitorErrors, 'invalid_media', 'not_recorded'],
    },
  },
  '/webchat/v1/channels/{channelId}/receipts': {
    post: {
      operationId: 'sendVisitorReceipt',
      summary: "The business's messages sent up to `watermark` were shown (delivered) or seen (read) by the visitor",
      tags: ['web chat'],
      auth: 'visitorToken',
      idempotent: false,
      body: visitorReceiptBody,
      responses: { '202': { description: 'Recorded', schema: z.object({ recorded: z.literal(true) }) } },
      errors: [...visitorErrors, 'not_recorded'],
    },
  },
  '/webchat/v1/channels/{channelId}/uploads': {
    post: {
      operationId: 'uploadVisitorFile',
      summary: 'A file the visitor will send (raw body with its Content-Type, optional X-Filename): PNG, JPEG, GIF, WebP, PDF or plain text, up to 10 MB',
      tags: ['web chat'],
      auth: 'visitorToken',
      idempotent: false,
      responses: { '201': { description: 'Stored; send it with its mediaId and ticket', schema: visitorUploadResponse } },
      errors: [...visitorErrors, 'invalid_media', 'payload_too_large', 'unsupported_media_type'],
    },
  },
  '/webchat/v1/channels/{channelId}/media/{mediaId}': {
    get: {
      operationId: 'getVisitorMedia',
      summary: "A file of the visitor's conversation, by the signed link its messages carry (`ticket`)",
      tags: ['web chat'],
      auth: 'none',
      responses: { '200': 'The bytes, with their Content-Type' },
      errors: ['origin_not_allowed', 'unknown_channel', 'rate_limited'],
    },
  },
};
