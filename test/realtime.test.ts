import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postWhatsAppWebhook } from './support/customer.js';
import { reactToEvents } from '../src/app/reactions.js';
import { compareEventIds } from '../src/live-feed/entry.js';
import { LiveFeedPublisher } from '../src/live-feed/publisher.js';
import { CLOSE_TOO_SLOW } from '../src/realtime/feed-connection.js';
import { CLOSE_GOING_AWAY } from '../src/realtime/server.js';
import type { DomainEventDoc } from '../src/store/models/domain-event.js';
import { createWhatsAppWorkspace, eventually, startHarness, type Harness, type WhatsAppFixture } from './support/harness.js';
import { connectRealtime, refusedUpgrade, type RealtimeClient } from './support/realtime-client.js';
import { textMessage, unix } from './support/whatsapp-payloads.js';
import { Cluster } from 'ioredis';

/**
 * Two gateway processes on one store and one Redis prefix: `a` runs the workers (it handles
 * every webhook and events job), `b` only serves clients, so whatever a client of `b` receives
 * crossed processes.
 */
let a: Harness;
let b: Harness;
/** What makes several harnesses one deployment: the store, the Redis prefix and the secrets' key. */
let shared: Record<string, string>;
let wa: WhatsAppFixture;
let other: WhatsAppFixture;
const clients: RealtimeClient[] = [];

beforeAll(async () => {
  const OMNIGATE_ENCRYPTION_KEY = randomBytes(32).toString('hex');
  a = await startHarness({ config: { OMNIGATE_ENCRYPTION_KEY } });
  shared = { MONGODB_URI: a.ctx.config.MONGODB_URI, QUEUE_PREFIX: a.ctx.config.QUEUE_PREFIX, OMNIGATE_ENCRYPTION_KEY };
  b = await startHarness({ workers: false, config: shared });
  wa = await createWhatsAppWorkspace(a);
  other = await createWhatsAppWorkspace(a);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await b.close();
  await a.close();
});

async function connect(h: Harness, opts: Parameters<typeof connectRealtime>[1]): Promise<RealtimeClient> {
  const client = await connectRealtime(h, opts);
  clients.push(client);
  return client;
}

async function inbound(fixture: WhatsAppFixture, id: string, from: string): Promise<void> {
  await postWhatsAppWebhook(a, fixture, textMessage(fixture.phoneNumberId, { id, from, timestamp: unix(a.clock.now()), text: `text of ${id}` }));
}

/**
 * The conversation event and message.received of one inbound message, once the client has both
 * among the events it got after the first `since` (the two may come in either order).
 */
function messageEvents(client: RealtimeClient, providerMessageId: string, since = 0): Promise<any[]> {
  return eventually(async () => {
    const events = client.events().slice(since);
    const received = events.find((f) => f.type === 'message.received' && f.data.message.providerMessageId === providerMessageId);
    const conversation = received && events.find((f) => f.type.startsWith('conversation.') && f.conversationId === received.conversationId);
    return conversation && [conversation, received];
  });
}

/** A typing notice from `from` that `client` receives: everything published before it has arrived. */
async function sentinel(from: RealtimeClient, client: RealtimeClient, conversationId: string): Promise<void> {
  const seen = client.events().length;
  from.send({ type: 'typing', conversationId });
  await eventually(async () => client.events().slice(seen).some((f) => f.type === 'typing'));
}

function ids(frames: any[]): string[] {
  return frames.filter((f) => f.id !== null).map((f) => f.id);
}

describe('realtime over WebSocket', () => {
  it('refuses an upgrade without a valid key with 401 and accepts the key from header, subprotocol or query', async () => {
    const missing = await refusedUpgrade(b);
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('unauthorized');
    expect((await refusedUpgrade(b, { headers: { authorization: 'Bearer og_not-a-key' } })).status).toBe(401);
    expect((await refusedUpgrade(b, { query: { key: 'og_not-a-key' } })).status).toBe(401);
    expect((await refusedUpgrade(b, { query: { key: wa.key, lastEventId: 'yesterday' } })).body.error.code).toBe('invalid_last_event_id');
    expect((await refusedUpgrade(b, { query: { key: wa.key, conversationId: 'nope' } })).status).toBe(400);
    expect((await refusedUpgrade(b, { path: '/v1/elsewhere' })).status).toBe(404);

    const byProtocol = await connect(b, { protocols: ['omnigate.v1', `bearer.${wa.key}`] });
    expect(byProtocol.ws.protocol).toBe('omnigate.v1');
    const byQuery = await connect(b, { query: { key: wa.key } });
    expect((await byQuery.request({ type: 'ping' }, 'pong')).type).toBe('pong');
  });

  it('delivers a real inbound message to subscribers by all, conversation and queue, across processes, and nothing to another workspace', async () => {
    const all = await connect(b, { key: wa.key, query: { all: 'true' } });
    const otherAll = await connect(b, { key: other.key, query: { all: 'true' } });

    await inbound(wa, 'wamid.RT1', '15550001001');
    const [created, received] = await messageEvents(all, 'wamid.RT1');
    expect(created).toMatchObject({ type: 'conversation.created', id: expect.stringMatching(/^\d+-\d+$/), occurredAt: expect.any(String) });
    expect(received.data.message.content).toMatchObject({ type: 'text', text: 'text of wamid.RT1' });
    // In the order they happened, as helpdesk webhooks have them.
    expect(compareEventIds(created.id, received.id)).toBeLessThan(0);
    const conversationId: string = received.conversationId;
    // The router gave the conversation its queue in the events job of conversation.created, before publishing.
    expect(created.queueId).toEqual(expect.any(String));
    const queueId: string = created.queueId;

    const byConversation = await connect(b, { key: wa.key });
    expect(await byConversation.request({ type: 'subscribe', conversationId }, 'subscribed')).toEqual({ type: 'subscribed', conversationId });
    const byQueue = await connect(a, { key: wa.key });
    expect(await byQueue.request({ type: 'subscribe', queueId }, 'subscribed')).toEqual({ type: 'subscribed', queueId });
    const elsewhere = await a.api('POST', '/v1/queues', { key: wa.key, body: { name: 'Elsewhere' } });
    expect(elsewhere.status).toBe(201);
    await inbound(wa, 'wamid.RT2', '15550001002');
    const [{ conversationId: secondId }] = await messageEvents(all, 'wamid.RT2');
    // Both also watch the second conversation: a typing notice there tells when they are up to date.
    const otherConversation = await connect(b, { key: wa.key, query: { conversationId: secondId } });
    const otherQueue = await connect(b, { key: wa.key, query: { conversationId: secondId } });
    await otherQueue.request({ type: 'subscribe', queueId: elsewhere.body.id }, 'subscribed');

    const since = all.events().length;
    await inbound(wa, 'wamid.RT3', '15550001001');
    const expected = await messageEvents(all, 'wamid.RT3', since);
    expect(expected.map((f) => f.type)).toEqual(['conversation.updated', 'message.received']);
    const typist = await connect(b, { key: wa.key });
    for (const client of [byConversation, byQueue]) await sentinel(typist, client, conversationId);
    for (const client of [otherQueue, otherConversation]) await sentinel(typist, client, secondId);

    const eventsOf = (c: RealtimeClient) => c.events().filter((f) => f.type !== 'typing');
    expect(eventsOf(byConversation)).toEqual(expect.arrayContaining(expected));
    expect(eventsOf(byConversation)).toHaveLength(2);
    expect(eventsOf(byQueue)).toHaveLength(2);
    expect(ids(eventsOf(byQueue)).sort()).toEqual(ids(expected).sort());
    expect(eventsOf(otherQueue)).toEqual([]);
    expect(eventsOf(otherConversation)).toEqual([]);

    // The other workspace hears only its own events, and cannot subscribe to this one's ids.
    await inbound(other, 'wamid.RT4', '15550001003');
    await messageEvents(otherAll, 'wamid.RT4');
    expect(otherAll.events().every((f) => f.data.message?.providerMessageId !== 'wamid.RT3' && f.conversationId !== conversationId)).toBe(true);
    const refused = await otherAll.request({ type: 'subscribe', conversationId }, 'subscribed');
    expect(refused.error).toMatchObject({ code: 'not_found' });
    expect((await otherAll.request({ type: 'subscribe', queueId }, 'subscribed')).error.code).toBe('not_found');
  });

  it('replays what a client missed after reconnecting with lastEventId: in order, without duplicates, then live', async () => {
    const watcher = await connect(a, { key: wa.key, query: { all: 'true' } });
    const leaving = await connectRealtime(b, { key: wa.key, query: { all: 'true' } });
    await inbound(wa, 'wamid.RT10', '15550001010');
    await messageEvents(leaving, 'wamid.RT10');
    await messageEvents(watcher, 'wamid.RT10');
    const lastEventId = leaving.events().at(-1).id;
    await leaving.close();

    const before = watcher.events().length;
    await inbound(wa, 'wamid.RT11', '15550001011');
    await inbound(wa, 'wamid.RT12', '15550001010');
    await messageEvents(watcher, 'wamid.RT11', before);
    await messageEvents(watcher, 'wamid.RT12', before);
    const missed = watcher.events().slice(before).filter((f) => f.id !== null);
    expect(missed.length).toBeGreaterThanOrEqual(4);

    const back = await connect(b, { key: wa.key, query: { all: 'true', lastEventId } });
    const ready = back.frames.findIndex((f) => f.type === 'ready');
    const replayed = back.frames.slice(0, ready).filter((f) => f.type !== 'subscribed');
    expect(replayed).toEqual(missed);
    expect(back.frames[ready].lastEventId).toBe(missed.at(-1).id);

    await inbound(wa, 'wamid.RT13', '15550001011');
    await messageEvents(back, 'wamid.RT13', back.events().length);
    const all = ids(back.events());
    expect(new Set(all).size).toBe(all.length);
    expect([...all].sort(byStreamId)).toEqual(all);
  });

  it('has neither gaps nor duplicates at the seam when events keep coming during the replay', async () => {
    const fixture = await createWhatsAppWorkspace(a);
    const publish = (i: number) =>
      a.ctx.liveFeed.publish({
        _id: `conversation_updated-seam-${i}`,
        workspaceId: new Types.ObjectId(fixture.workspaceId),
        type: 'conversation.updated',
        conversationId: new Types.ObjectId(),
        data: { n: i },
        occurredAt: a.clock.now(),
        state: 'dispatched',
      }) as Promise<string>;
    const published = [await publish(0)];
    for (let i = 1; i < 100; i++) published.push(await publish(i));

    // The client replays the 99 it missed while 100 more are published.
    const more = (async () => {
      for (let i = 100; i < 200; i++) published.push(await publish(i));
    })();
    const client = await connect(b, { key: fixture.key, query: { all: 'true', lastEventId: published[0]! } });
    await more;
    await client.waitFor((f) => f.id === published.at(-1));
    expect(ids(client.events())).toEqual(published.slice(1));
  });

  it('publishes an event once however often its events job runs', async () => {
    const client = await connect(b, { key: wa.key, query: { all: 'true' } });
    await inbound(wa, 'wamid.RT20', '15550001020');
    const [, received] = await messageEvents(client, 'wamid.RT20');
    const event = await a.ctx.store.events
      .findOne({ type: 'message.received', conversationId: new Types.ObjectId(received.conversationId as string), 'data.message.providerMessageId': 'wamid.RT20' })
      .lean();
    expect(event).not.toBeNull();

    await reactToEvents(a.ctx, [event!]);
    expect(await b.ctx.liveFeed.publish(event!)).toBeNull();
    const typist = await connect(a, { key: wa.key });
    await sentinel(typist, client, received.conversationId);
    expect(client.events().filter((f) => f.type === 'message.received' && f.data.message.providerMessageId === 'wamid.RT20')).toHaveLength(1);
  });

  it('broadcasts an agent typing to the other subscribers of the conversation, not back to the typist', async () => {
    const watcher = await connect(b, { key: wa.key, query: { all: 'true' } });
    await inbound(wa, 'wamid.RT30', '15550001030');
    const [, received] = await messageEvents(watcher, 'wamid.RT30');
    const conversationId: string = received.conversationId;

    const listener = await connect(b, { key: wa.key, query: { conversationId } });
    const typist = await connect(a, { key: wa.key, query: { conversationId } });
    typist.send({ type: 'typing', conversationId });
    const typing = await listener.waitFor((f) => f.type === 'typing');
    expect(typing).toMatchObject({ id: null, type: 'typing', conversationId, data: { conversationId, agentId: null } });
    expect(typing.occurredAt).toBe(a.clock.now().toISOString());

    // The listener types back: once the typist has that, its own notice would have come before it.
    listener.send({ type: 'typing', conversationId });
    await typist.waitFor((f) => f.type === 'typing');
    expect(typist.events().filter((f) => f.type === 'typing')).toHaveLength(1);

    const unknown = await typist.request({ type: 'typing', conversationId: String(new Types.ObjectId()) }, 'typing');
    expect(unknown).toMatchObject({ type: 'error', error: { code: 'not_found' } });
  });

  it('catches clients up from the stream when their process lost its Redis subscription', async () => {
    const client = await connect(b, { key: wa.key, query: { all: 'true' } });
    // On a cluster, each subscriber is connected to one of its nodes.
    const nodes = a.ctx.redis instanceof Cluster ? a.ctx.redis.nodes() : [a.ctx.redis];
    const feeds = [];
    for (const node of nodes) {
      for (const line of String(await node.client('LIST')).split('\n')) {
        if (line.includes(` name=${shared.QUEUE_PREFIX}:realtime-feed `)) feeds.push({ node, id: /\bid=(\d+)/.exec(line)![1]! });
      }
    }
    expect(feeds).toHaveLength(2);
    for (const { node, id } of feeds) await node.client('KILL', 'ID', id);
    // Published while the subscribers reconnect: pub/sub does not keep it for them.
    const id = await a.ctx.liveFeed.publish({
      _id: 'conversation_updated-while-away',
      workspaceId: new Types.ObjectId(wa.workspaceId),
      type: 'conversation.updated',
      conversationId: new Types.ObjectId(),
      data: { while: 'away' },
      occurredAt: a.clock.now(),
      state: 'dispatched',
    });
    const caughtUp = await client.waitFor((f) => f.id === id);
    expect(caughtUp.data).toEqual({ while: 'away' });
    expect(ids(client.events())).toEqual([id]);
  });

  it('answers bad frames with an error frame and keeps the connection', async () => {
    const client = await connect(b, { key: wa.key });
    expect((await client.request('not json', 'pong')).error.code).toBe('invalid_json');
    expect((await client.request({ type: 'subscribe' }, 'pong')).error.code).toBe('validation_failed');
    expect((await client.request({ type: 'subscribe', all: true, queueId: String(new Types.ObjectId()) }, 'pong')).error.code).toBe('validation_failed');
    expect((await client.request({ type: 'subscribe', conversationId: 'abc' }, 'pong')).error.code).toBe('validation_failed');
    expect((await client.request({ type: 'shout' }, 'pong')).error.code).toBe('validation_failed');
    expect((await client.request({ type: 'ping', extra: 1 }, 'pong')).error.code).toBe('validation_failed');
    expect((await client.request({ type: 'subscribe', conversationId: String(new Types.ObjectId()) }, 'pong')).error.code).toBe('not_found');
    expect(await client.request({ type: 'ping' }, 'pong')).toEqual({ type: 'pong' });
    expect(await client.request({ type: 'unsubscribe', all: true }, 'unsubscribed')).toEqual({ type: 'unsubscribed', all: true });
  });

  it('says the replay is incomplete when the cursor is older than what is kept', async () => {
    const fixture = await createWhatsAppWorkspace(a);
    const publisher = new LiveFeedPublisher({ redis: a.ctx.redis, store: a.ctx.store, keyPrefix: a.ctx.config.QUEUE_PREFIX, replayLength: 10 });
    const workspaceId = new Types.ObjectId(fixture.workspaceId);
    const published: string[] = [];
    for (let i = 0; i < 120; i++) {
      const event: DomainEventDoc = {
        _id: `conversation_updated-trim-${i}`,
        workspaceId,
        type: 'conversation.updated',
        conversationId: new Types.ObjectId(),
        data: { n: i },
        occurredAt: a.clock.now(),
        state: 'dispatched',
      };
      published.push((await publisher.publish(event))!);
    }

    const late = await connect(b, { key: fixture.key, query: { all: 'true', lastEventId: published[0]! } });
    const ready = late.frames.findIndex((f) => f.type === 'ready');
    expect(late.frames.slice(0, 2)).toEqual([
      { type: 'subscribed', all: true },
      { type: 'replay.incomplete', lastEventId: published[0] },
    ]);
    const replayed = late.frames.slice(2, ready);
    // What is kept is the newest events, in order, up to the last one.
    expect(replayed.length).toBeLessThan(119);
    expect(ids(replayed)).toEqual(published.slice(published.length - replayed.length));

    const recent = await connect(b, { key: fixture.key, query: { all: 'true', lastEventId: published.at(-2)! } });
    expect(recent.frames.map((f) => f.type)).toEqual(['subscribed', 'conversation.updated', 'ready']);
  });
});

describe('realtime connections', () => {
  // Gateways of their own: closing one drops its database.
  it('drops a client that stops answering pings and closes the others with 1001 on shutdown', async () => {
    const c = await startHarness({ workers: false, realtime: { heartbeatMs: 50 } });
    try {
      const { key } = await createWhatsAppWorkspace(c);
      const silent = await connectRealtime(c, { key, options: { autoPong: false } });
      const answering = await connectRealtime(c, { key });
      expect((await silent.closed).code).toBe(1006);
      expect(answering.ws.readyState).toBe(answering.ws.OPEN);
      await c.close();
      expect((await answering.closed).code).toBe(CLOSE_GOING_AWAY);
    } finally {
      await c.close().catch(() => undefined);
    }
  });

  it('closes a client that leaves too much unread without holding up the others', async () => {
    const c = await startHarness({ workers: false, realtime: { maxBufferedBytes: 64 * 1024 } });
    try {
      const fixture = await createWhatsAppWorkspace(c);
      const reader = await connectRealtime(c, { key: fixture.key, query: { all: 'true' } });
      const sleeper = await connectRealtime(c, { key: fixture.key, query: { all: 'true' } });
      // The sleeper stops reading from the network: what the server sends piles up on its side.
      const socket = (sleeper.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      socket.pause();
      const publisher = new LiveFeedPublisher({ redis: c.ctx.redis, store: c.ctx.store, keyPrefix: c.ctx.config.QUEUE_PREFIX, replayLength: 10 });
      const big = 'x'.repeat(16 * 1024);
      let published = 0;
      while (c.realtime.size > 1 && published < 5000) {
        await publisher.publish({
          _id: `conversation_updated-slow-${published++}`,
          workspaceId: new Types.ObjectId(fixture.workspaceId),
          type: 'conversation.updated',
          conversationId: new Types.ObjectId(),
          data: { big },
          occurredAt: c.clock.now(),
          state: 'dispatched',
        });
      }
      expect(c.realtime.size).toBe(1);
      await eventually(async () => reader.events().length === published);

      // Reading again, the sleeper finds what was sent before the close, then the close itself.
      socket.resume();
      expect((await sleeper.closed).code).toBe(CLOSE_TOO_SLOW);
      expect(sleeper.events().length).toBeLessThan(published);
    } finally {
      await c.close();
    }
  });
});

function byStreamId(x: string, y: string): number {
  const [xm = 0, xs = 0] = x.split('-').map(Number);
  const [ym = 0, ys = 0] = y.split('-').map(Number);
  return xm - ym || xs - ys;
}
