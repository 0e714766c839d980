import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import { ProviderSendError } from '../contract.js';
import { describeGraphResponse, outcomeOf, toGraphRequestError, toProviderSendError } from './errors.js';

const graphError = (code: number, message = 'whatever the title says', details?: string) => ({
  error: { message, type: 'OAuthException', code, error_subcode: 2494010, ...(details && { error_data: { messaging_product: 'whatsapp', details } }), fbtrace_id: 'AbC' },
});

function axiosFailure(status: number | undefined, data?: unknown, headers: Record<string, string> = {}, code?: string): AxiosError {
  const config = { headers: new AxiosHeaders({ Authorization: 'Bearer secret-token' }) } as InternalAxiosRequestConfig;
  const response = status === undefined ? undefined : ({ status, statusText: '', data, headers: new AxiosHeaders(headers), config } as AxiosResponse);
  return new AxiosError(status === undefined ? 'socket hang up' : `Request failed with status code ${status}`, code, config, {}, response);
}

describe('outcome by Meta error code', () => {
  it.each([
    [131047, 'window_closed'],
    [130429, 'retry'],
    [131056, 'retry'],
    [131000, 'retry'],
    [1, 'retry'],
    [2, 'retry'],
    [4, 'retry'],
    [80007, 'retry'],
    [131016, 'retry'],
    [131057, 'retry'],
    [133004, 'retry'],
    [131026, 'final'],
    [131049, 'final'],
    [131050, 'final'],
    [131051, 'final'],
    [131052, 'final'],
    [131053, 'final'],
    [132000, 'final'],
    [132001, 'final'],
    [132005, 'final'],
    [132007, 'final'],
    [132012, 'final'],
    [132015, 'final'],
    [132016, 'final'],
    [131008, 'final'],
    [131009, 'final'],
    [100, 'final'],
    [190, 'final'],
  ])('code %i → %s (answered with HTTP 400)', (code, outcome) => {
    const failure = describeGraphResponse(400, graphError(code));
    expect(failure.code).toBe(String(code));
    expect(failure.outcome).toBe(outcome);
  });

  it('decides on the code, never on the message text', () => {
    expect(describeGraphResponse(400, graphError(131026, 'Rate limit hit, please retry')).outcome).toBe('final');
    expect(describeGraphResponse(400, graphError(130429, 'Message undeliverable')).outcome).toBe('retry');
  });

  it('a known code wins over the HTTP status; unknown codes fall back to it', () => {
    expect(outcomeOf('131026', 503)).toBe('final');
    expect(outcomeOf('131047', 500)).toBe('window_closed');
    expect(outcomeOf('999999', 503)).toBe('retry');
    expect(outcomeOf('999999', 429)).toBe('retry');
    expect(outcomeOf('999999', 400)).toBe('final');
    expect(outcomeOf('999999', 404)).toBe('final');
  });

  it('without a Graph error body, the HTTP status names and decides', () => {
    expect(describeGraphResponse(502, '<html>Bad gateway</html>')).toEqual({ code: 'http_502', title: 'HTTP 502', outcome: 'retry' });
    expect(describeGraphResponse(403, {})).toEqual({ code: 'http_403', title: 'HTTP 403', outcome: 'final' });
  });

  it('the title joins message and details', () => {
    expect(describeGraphResponse(400, graphError(131047, 'Re-engagement message', 'More than 24 hours have passed.')).title).toBe(
      'Re-engagement message: More than 24 hours have passed.',
    );
  });

  it('retry delay: Retry-After when given (seconds or date), else 6 s for the pair rate limit', () => {
    expect(describeGraphResponse(429, graphError(130429), { 'retry-after': '3' }).retryAfterMs).toBe(3000);
    const at = new Date(Date.now() + 60_000).toUTCString();
    expect(describeGraphResponse(429, graphError(130429), { 'retry-after': at }).retryAfterMs).toBeGreaterThan(50_000);
    expect(describeGraphResponse(400, graphError(131056)).retryAfterMs).toBe(6000);
    expect(describeGraphResponse(400, graphError(130429)).retryAfterMs).toBeUndefined();
    expect(describeGraphResponse(400, graphError(131026), { 'retry-after': '3' }).retryAfterMs).toBeUndefined();
  });
});

describe('axios failures', () => {
  it('an answered error becomes a ProviderSendError with the code as a string', () => {
    const err = toProviderSendError(axiosFailure(400, graphError(131047, 'Re-engagement message')));
    expect(err).toBeInstanceOf(ProviderSendError);
    expect(err).toMatchObject({ code: '131047', title: 'Re-engagement message', outcome: 'window_closed' });
  });

  it('HTTP 5xx without a Graph body is retried', () => {
    expect(toProviderSendError(axiosFailure(503, 'Service Unavailable'))).toMatchObject({ code: 'http_503', outcome: 'retry' });
  });

  it('no answer at all (network error, timeout) is retried', () => {
    expect(toProviderSendError(axiosFailure(undefined, undefined, {}, 'ECONNRESET'))).toMatchObject({ code: 'network_error', outcome: 'retry' });
    expect(toProviderSendError(axiosFailure(undefined, undefined, {}, 'ECONNABORTED'))).toMatchObject({ code: 'timeout', outcome: 'retry' });
    expect(toProviderSendError(axiosFailure(undefined, undefined, {}, 'ETIMEDOUT'))).toMatchObject({ code: 'timeout', outcome: 'retry' });
  });

  it('errors of other calls keep the code but not the request (its Authorization header)', () => {
    const err = toGraphRequestError(axiosFailure(404, graphError(100, 'Unsupported get request')), 'Media download');
    expect(err).toMatchObject({ code: '100', outcome: 'final', message: 'Media download failed: 100: Unsupported get request' });
    expect(JSON.stringify(err)).not.toContain('secret-token');
    expect(Object.values(err).join(' ')).not.toContain('secret-token');
  });
});
