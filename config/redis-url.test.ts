import { describe, expect, it } from 'vitest';
import { parseRedisUrl } from './redis-url.js';

describe('parseRedisUrl', () => {
  it('leaves a single server to ioredis', () => {
    expect(parseRedisUrl('redis://:secret@127.0.0.1:6379/2')).toEqual({ cluster: false, url: 'redis://:secret@127.0.0.1:6379/2' });
  });

  it('reads a cluster: its seed nodes, credentials and TLS', () => {
    expect(parseRedisUrl('rediss+cluster://omnigate:p%40ss@10.0.0.1:7000,10.0.0.2:7001/')).toEqual({
      cluster: true,
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      username: 'omnigate',
      password: 'p@ss',
      tls: true,
    });
    expect(parseRedisUrl('redis+cluster://:only-password@[::1]:7000')).toEqual({ cluster: true, nodes: [{ host: '::1', port: 7000 }], password: 'only-password', tls: false });
  });

  it('refuses what it cannot read', () => {
    expect(() => parseRedisUrl('http://127.0.0.1')).toThrow(/must be/);
    expect(() => parseRedisUrl('redis+cluster://127.0.0.1')).toThrow(/not host:port/);
    expect(() => parseRedisUrl('redis+cluster://127.0.0.1:7000/0')).toThrow(/no database/);
  });
});
