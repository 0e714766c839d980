import { describe, expect, it } from 'vitest';
import { secretsSchema, settingsSchema } from './settings.js';

describe('settings', () => {
  it('accepts the phone number and WABA ids, with an optional positive integer send rate', () => {
    expect(settingsSchema.parse({ phoneNumberId: '106540352242922', wabaId: '102290129340398' })).toEqual({ phoneNumberId: '106540352242922', wabaId: '102290129340398' });
    expect(settingsSchema.parse({ phoneNumberId: '1', wabaId: '2', sendPerSecond: 250 }).sendPerSecond).toBe(250);
  });

  it.each([
    [{ wabaId: '2' }],
    [{ phoneNumberId: '', wabaId: '2' }],
    [{ phoneNumberId: 1, wabaId: '2' }],
    [{ phoneNumberId: '1', wabaId: '2', sendPerSecond: 0 }],
    [{ phoneNumberId: '1', wabaId: '2', sendPerSecond: 2.5 }],
    [{ phoneNumberId: '1', wabaId: '2', sendPerSecond: '80' }],
    [{ phoneNumberId: '1', wabaId: '2', phoneNumber: '+1555' }],
  ])('refuses %j', (input) => {
    expect(settingsSchema.safeParse(input).success).toBe(false);
  });
});

describe('secrets', () => {
  const valid = { accessToken: 'EAAG-token', appSecret: 'app-secret', verifyToken: 'verify' };

  it('accepts the three non-empty secrets', () => {
    expect(secretsSchema.parse(valid)).toEqual(valid);
  });

  it('refuses a missing or empty secret and unknown keys', () => {
    expect(secretsSchema.safeParse({ ...valid, appSecret: '' }).success).toBe(false);
    expect(secretsSchema.safeParse({ accessToken: 'a', appSecret: 'b' }).success).toBe(false);
    expect(secretsSchema.safeParse({ ...valid, apiKey: 'x' }).success).toBe(false);
  });
});
