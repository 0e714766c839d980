import nock from 'nock';
import { afterAll, afterEach, beforeAll } from 'vitest';

/**
 * For integration tests whose provider APIs (Graph, Twilio) are nock stand-ins: nothing but
 * loopback (the gateway, the real services) may be reached, and each test starts with no
 * leftover interceptors.
 */
export function useProviderStandIns(): void {
  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterEach(() => nock.cleanAll());
  afterAll(() => nock.enableNetConnect());
}
