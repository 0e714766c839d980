import { EventEmitter } from 'node:events';
import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { AuthContext } from '../security/api-key.js';
import { RealtimeConnection } from './connection.js';
import type { ConnectionDeps } from './feed-connection.js';
import { compareEventIds, type FeedItem } from '../live-feed/entry.js';
import type { FeedListener } from '../live-feed/subscriber.js';

/**
 * A stream that grows while it is being read: every read first publishes the next pending
 * entry, as other processes would during a replay, then answers a page of two.
 */
function racingStream(pending: string[]) {
  const kept: string[] = [];
  let listener: FeedListener | undefined;
  const item = (id: string): FeedItem => ({ id, entry: { type: 'conversation.updated', occurredAt: '2026-01-15T10:00:00.000Z', data: { id } } });
  const publish = (count: number) => {
    for (const id of pending.splice(0, count)) {
      kept.push(id);
      listener?.(item(id));
    }
  };
  const read = (after: string) => {
    publish(1);
    return kept.filter((id) => compareEventIds(id, after) > 0).slice(0, 2).map(item);
  };
  return {
    kept,
    publish,
    feed: { join: async (_workspaceId: string, l: FeedListener) => void (listener = l), leave: async () => undefined },
    replay: {
      tail: async () => kept.at(-1) ?? '0-0',
      open: async (_stream: string, after: string) => ({ complete: true, page: read(after) }),
      page: async (_stream: string, after: string) => read(after),
    },
  };
}

function fakeSocket() {
  return Object.assign(new EventEmitter(), {
    readyState: 1,
    bufferedAmount: 0,
    frames: [] as { type: string; id?: string }[],
    send(data: string, done?: () => void) {
      this.frames.push(JSON.parse(data));
      done?.();
    },
  });
}

describe('RealtimeConnection', () => {
  it('sends replayed and live events in stream order, once each, when events are published during the replay', async () => {
    const stream = racingStream(['1-1', '1-2', '1-3', '1-4', '1-5', '1-6', '1-7', '1-8', '1-9', '2-0', '10-0', '10-1']);
    stream.publish(3);
    const socket = fakeSocket();
    const auth: AuthContext = { workspaceId: new Types.ObjectId(), keyId: new Types.ObjectId(), role: 'admin' };
    const deps = { ctx: { config: { QUEUE_PREFIX: 'test' } }, feed: stream.feed, replay: stream.replay, maxBufferedBytes: 1 << 20 };
    const connection = new RealtimeConnection(socket as unknown as WebSocket, auth, deps as unknown as ConnectionDeps);

    await connection.start({ lastEventId: '1-1', targets: [{ all: true }] });
    const ready = socket.frames.findIndex((f) => f.type === 'ready');
    expect(socket.frames[ready]).toEqual({ type: 'ready', lastEventId: socket.frames[ready - 1]?.id });
    // Live after the replay: ids compare as numbers, so 10-0 comes after 2-0.
    stream.publish(10);

    const events = socket.frames.filter((f) => f.id !== undefined).map((f) => f.id);
    expect(events).toEqual(stream.kept.slice(1));
  });
});
