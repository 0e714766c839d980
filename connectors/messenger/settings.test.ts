import { describe, expect, it } from 'vitest';
import { secretsSchema, settingsSchema } from './settings.js';

describe('settings', () => {
  it('accepts the Page id; HUMAN_AGENT is off unless approved; an optional positive integer send rate', () => {
    expect(settingsSchema.parse({ pageId: '106385752155120' })).toEqual({ pageId: '106385752155120', humanAgentEnabled: false });
    expect(settingsSchema.parse({ pageId: '1', humanAgentEnabled: true, sendPerSecond: 100 })).toEqual({ pageId: '1', humanAgentEnabled: true, sendPerSecond: 100 });
  });

  it.each([
    [{}],
    [{ pageId: '' }],
    [{ pageId: 106385752155120 }],
    [{ pageId: '1', humanAgentEnabled: 'yes' }],
    [{ pageId: '1', sendPerSecond: 0 }],
    [{ pageId: '1', sendPerSecond: 2.5 }],
    [{ pageId: '1', sendPerSecond: '300' }],
    [{ pageId: '1', phoneNumberId: '2' }],
  ])('refuses %j', (input) => {
    expect(settingsSchema.safeParse(input).success).toBe(false);
  });
});

describe('secrets', () => {
  const valid = { pageAccessToken: 'EAAG-page-token', appSecret: 'app-secret', verifyToken: 'verify' };

  it('accepts the three non-empty secrets', () => {
    expect(secretsSchema.parse(valid)).toEqual(valid);
  });

  it('refuses a missing or empty secret and unknown keys', () => {
    expect(secretsSchema.safeParse({ ...valid, pageAccessToken: '' }).success).toBe(false);
    expect(secretsSchema.safeParse({ pageAccessToken: 'a', appSecret: 'b' }).success).toBe(false);
    expect(secretsSchema.safeParse({ ...valid, accessToken: 'x' }).success).toBe(false);
  });
});
