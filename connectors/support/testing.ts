import nock from 'nock';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { ProviderSendError } from '../contract.js';

/**
 * For connector tests against nock stand-ins: no real network, and every interceptor a test
 * declared must have been called (an unmet expectation fails the test that made it).
 */
export function useStrictNock(): void {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => {
    const pending = nock.pendingMocks();
    nock.cleanAll();
    expect(pending).toEqual([]);
  });
  afterAll(() => nock.enableNetConnect());
}

/** The ProviderSendError a send must fail with. */
export async function refusal(promise: Promise<unknown>): Promise<ProviderSendError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the send to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderSendError);
  return err as ProviderSendError;
}
