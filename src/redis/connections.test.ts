import { describe, expect, it } from 'vitest';
import { isConnectionError } from './connections.js';

describe('isConnectionError', () => {
  it('counts a lost connection and a cluster failover as passing states', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(new Error('Too many Cluster redirections. Last error: ReplyError: MOVED 2273 127.0.0.1:7000'))).toBe(true);
    expect(isConnectionError(new Error('CLUSTERDOWN The cluster is down'))).toBe(true);
  });

  it('leaves other errors to their callers', () => {
    expect(isConnectionError(new Error("ERR wrong number of arguments for 'get' command"))).toBe(false);
    expect(isConnectionError(new Error('CROSSSLOT Keys in request do not hash to the same slot'))).toBe(false);
  });
});
