import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import { describe, expect, it } from 'vitest';
import { ProviderSendError } from '../contract.js';
import { describeGraphResponse, outcomeOf, toMessengerRequestError, toProviderSendError } from './errors.js';

const graphError = (code: number, subcode?: number, message = 'whatever the message says') => ({
  error: { message, type: 'OAuthException', code, ...(subcode !== undefined && { error_subcode: subcode }), fbtrace_id: 'BLBz/WZt8dN' },
});

function axiosFailure(status: number | undefined, data?: unknown, code?: string): AxiosError {
  const config = { headers: new AxiosHeaders({ Authorization: 'Bearer secret-token' }) } as InternalAxiosRequestConfig;
  const response = status === undefined ? undefined : ({ status, statusText: '', data, headers: new AxiosHeaders(), config } as AxiosResponse);
  return new AxiosError(status === undefined ? 'socket hang up' : `Request failed with status code ${status}`, code, config, {}, response);
}

describe('outcome by Meta code and subcode', () => {
  it.each([
    [10, 2018278, '10/2018278', 'window_closed'],
    [10, 2018108, '10/2018108', 'final'],
    [10, undefined, '10', 'final'],
    [613, undefined, '613', 'retry'],
    [4, 2018022, '4/2018022', 'retry'],
    [32, undefined, '32', 'retry'],
    [1200, undefined, '1200', 'retry'],
    [2, undefined, '2', 'retry'],
    [551, 1545041, '551/1545041', 'final'],
    [100, 2018001, '100/2018001', 'final'],
    [100, undefined, '100', 'final'],
    [190, 460, '190/460', 'final'],
    [200, 1545041, '200/1545041', 'final'],
    [230, undefined, '230', 'final'],
  ])('code %i subcode %s → %s, %s (answered with HTTP 400)', (code, subcode, name, outcome) => {
    expect(describeGraphResponse(400, graphError(code, subcode))).toEqual({ code: name, title: 'whatever the message says', outcome });
  });

  it('decides on the codes, never on the message text', () => {
    expect(describeGraphResponse(400, graphError(551, undefined, 'Temporary failure, please retry')).outcome).toBe('final');
    expect(describeGraphResponse(400, graphError(10, 2018065, 'This message is sent outside of allowed window.')).outcome).toBe('final');
    expect(describeGraphResponse(400, graphError(1200, undefined, 'User not found')).outcome).toBe('retry');
  });

  it('a known code wins over the HTTP status; unknown codes fall back to it', () => {
    expect(outcomeOf('551', undefined, 500)).toBe('final');
    expect(outcomeOf('10', '2018278', 500)).toBe('window_closed');
    expect(outcomeOf('613', undefined, 400)).toBe('retry');
    expect(outcomeOf('999999', undefined, 503)).toBe('retry');
    expect(outcomeOf('999999', undefined, 429)).toBe('retry');
    expect(outcomeOf('999999', undefined, 400)).toBe('final');
    expect(outcomeOf('999999', undefined, 404)).toBe('final');
  });

  it('without a Graph error body, the HTTP status names and decides', () => {
    expect(describeGraphResponse(502, '<html>Bad gateway</html>')).toEqual({ code: 'http_502', title: 'HTTP 502', outcome: 'retry' });
    expect(describeGraphResponse(403, {})).toEqual({ code: 'http_403', title: 'HTTP 403', outcome: 'final' });
  });
});

describe('axios failures', () => {
  it('an answered error becomes a ProviderSendError named code/subcode', () => {
    const err = toProviderSendError(axiosFailure(400, graphError(10, 2018278, 'This message is sent outside of allowed window.')));
    expect(err).toBeInstanceOf(ProviderSendError);
    expect(err).toMatchObject({ code: '10/2018278', title: 'This message is sent outside of allowed window.', outcome: 'window_closed' });
  });

  it('HTTP 5xx without a Graph body is retried; no answer at all (network error, timeout) too', () => {
    expect(toProviderSendError(axiosFailure(503, 'Service Unavailable'))).toMatchObject({ code: 'http_503', outcome: 'retry' });
    expect(toProviderSendError(axiosFailure(undefined, undefined, 'ECONNRESET'))).toMatchObject({ code: 'network_error', outcome: 'retry' });
    expect(toProviderSendError(axiosFailure(undefined, undefined, 'ECONNABORTED'))).toMatchObject({ code: 'timeout', outcome: 'retry' });
    expect(toProviderSendError(axiosFailure(undefined, undefined, 'ETIMEDOUT'))).toMatchObject({ code: 'timeout', outcome: 'retry' });
  });

  it('errors of other calls keep the code but not the request (its Authorization header)', () => {
    const err = toMessengerRequestError(axiosFailure(403, { error: { message: 'URL signature expired', code: 100 } }), 'Media download');
    expect(err).toMatchObject({ code: '100', outcome: 'final', message: 'Media download failed: 100: URL signature expired' });
    expect(JSON.stringify(err)).not.toContain('secret-token');
    expect(Object.values(err).join(' ')).not.toContain('secret-token');
  });
});
