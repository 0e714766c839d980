import { AxiosError, AxiosHeaders, type AxiosResponse, type InternalAxiosRequestConfig } from 'axios';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { ProviderRequestError, ProviderSendError } from '../contract.js';
import { describeTwilioError, outcomeOf, toProviderSendError, toTwilioRequestError } from './errors.js';

const restException = (statusCode: number, body: unknown) => new twilio.RestException({ statusCode, body });

function axiosFailure(status: number | undefined, code?: string): AxiosError {
  const config = { headers: new AxiosHeaders({ Authorization: 'Basic c2VjcmV0LXRva2Vu' }) } as InternalAxiosRequestConfig;
  const response = status === undefined ? undefined : ({ status, statusText: '', data: 'x', headers: new AxiosHeaders(), config } as AxiosResponse);
  return new AxiosError(status === undefined ? 'socket hang up' : `Request failed with status code ${status}`, code, config, {}, response);
}

describe('outcome by Twilio error code', () => {
  it.each([
    ['63016', 'window_closed'],
    ['20429', 'retry'],
    ['63018', 'retry'],
    ['63038', 'retry'],
    ['20500', 'retry'],
    ['20503', 'retry'],
    ['20003', 'final'],
    ['21211', 'final'],
    ['21614', 'final'],
    ['21610', 'final'],
    ['63003', 'final'],
    ['63007', 'final'],
    ['63024', 'final'],
    ['63027', 'final'],
    ['63028', 'final'],
    ['63032', 'final'],
    ['63049', 'final'],
  ])('code %s → %s (answered with HTTP 400)', (code, outcome) => {
    expect(outcomeOf(code, 400)).toBe(outcome);
  });

  it('a known code wins over the HTTP status; unknown codes fall back to it', () => {
    expect(outcomeOf('21211', 503)).toBe('final');
    expect(outcomeOf('63016', 500)).toBe('window_closed');
    expect(outcomeOf('20429', 400)).toBe('retry');
    expect(outcomeOf('30008', 500)).toBe('retry');
    expect(outcomeOf('30008', 429)).toBe('retry');
    expect(outcomeOf('30008', 408)).toBe('retry');
    expect(outcomeOf('30008', 400)).toBe('final');
    expect(outcomeOf('30008', 404)).toBe('final');
    expect(outcomeOf('30008')).toBe('final');
  });
});

describe('errors of the twilio package', () => {
  it('a RestException is described by its code, as a string, with its message as title', () => {
    const err = restException(400, { code: 63016, message: 'Outside the allowed window', more_info: 'https://www.twilio.com/docs/errors/63016', status: 400 });
    expect(describeTwilioError(err)).toEqual({ code: '63016', title: 'Outside the allowed window', outcome: 'window_closed' });
  });

  it('decides on the code, never on the message text', () => {
    expect(describeTwilioError(restException(400, { code: 21211, message: 'Too many requests, retry later' }))?.outcome).toBe('final');
    expect(describeTwilioError(restException(429, { code: 20429, message: 'Invalid phone number' }))?.outcome).toBe('retry');
  });

  it('without a Twilio body the HTTP status names and decides', () => {
    expect(describeTwilioError(restException(503, '<html>busy</html>'))).toEqual({ code: 'http_503', title: '[HTTP 503] Failed to execute request', outcome: 'retry' });
    expect(describeTwilioError(restException(404, '{}'))).toMatchObject({ code: 'http_404', outcome: 'final' });
  });

  it('toProviderSendError builds a ProviderSendError; what is not a Twilio failure passes through', () => {
    const err = toProviderSendError(restException(429, { code: 20429, message: 'Too Many Requests' }));
    expect(err).toBeInstanceOf(ProviderSendError);
    expect(err).toMatchObject({ code: '20429', title: 'Too Many Requests', outcome: 'retry' });
    const bug = new TypeError('cannot read properties of undefined');
    expect(toProviderSendError(bug)).toBe(bug);
  });
});

describe('axios failures (media downloads)', () => {
  it('an answered error is decided by its HTTP status', () => {
    expect(describeTwilioError(axiosFailure(404))).toEqual({ code: 'http_404', title: 'HTTP 404', outcome: 'final' });
    expect(describeTwilioError(axiosFailure(502))).toMatchObject({ code: 'http_502', outcome: 'retry' });
    expect(describeTwilioError(axiosFailure(429))).toMatchObject({ code: 'http_429', outcome: 'retry' });
  });

  it('no answer at all (network error, timeout) is retried', () => {
    expect(describeTwilioError(axiosFailure(undefined, 'ECONNRESET'))).toMatchObject({ code: 'network_error', outcome: 'retry' });
    expect(describeTwilioError(axiosFailure(undefined, 'ECONNABORTED'))).toMatchObject({ code: 'timeout', outcome: 'retry' });
    expect(describeTwilioError(axiosFailure(undefined, 'ETIMEDOUT'))).toMatchObject({ code: 'timeout', outcome: 'retry' });
  });

  it('errors of other calls keep the code but not the request (its Authorization header)', () => {
    const err = toTwilioRequestError(axiosFailure(401), 'Media download');
    expect(err).toBeInstanceOf(ProviderRequestError);
    expect(err).toMatchObject({ code: 'http_401', outcome: 'final', message: 'Media download failed: http_401: HTTP 401' });
    expect(JSON.stringify(err)).not.toContain('c2VjcmV0LXRva2Vu');
    expect(Object.values(err as object).join(' ')).not.toContain('c2VjcmV0LXRva2Vu');
  });
});
