import { describe, expect, it } from 'vitest';
import { assertOneSlot, hashTagOf } from './hash-slots.js';
import { redisKeys } from './keys.js';

describe('hash tags', () => {
  it('reads them as Redis Cluster does', () => {
    expect(hashTagOf('og:realtime:{ws1}:seen:e1')).toBe('ws1');
    expect(hashTagOf('{og:inbound}:inbound:wait')).toBe('og:inbound');
    // An empty tag, or none, means the whole key.
    expect(hashTagOf('og:{}x')).toBe('og:{}x');
    expect(hashTagOf('og:rate:k')).toBe('og:rate:k');
  });

  it('tell keys that may share a script from keys that may not', () => {
    expect(() => assertOneSlot('ok', ['a:{t}:1', 'b:{t}:2'])).not.toThrow();
    expect(() => assertOneSlot('realtimePublish', ['a:{t}:1', 'a:{u}:1'])).toThrow(/realtimePublish: key a:\{u\}:1/);
  });

  it("keep a workspace's real-time keys, which one script writes together, in one slot", () => {
    const keys = redisKeys('omnigate').realtime('65a000000000000000000001');
    expect(() => assertOneSlot('realtime', [keys.seen('e1'), keys.stream, keys.channel])).not.toThrow();
  });
});
