import { describe, expect, it } from 'vitest';
import { secretsSchema, settingsSchema } from './settings.js';

const ACC = 'AC5ef8732a3c49700934481addd5ce1659';

describe('settings', () => {
  it('accepts the Account SID and the sender, with an optional Messaging Service and send rate', () => {
    expect(settingsSchema.parse({ accountSid: ACC, sender: '+14155238886' })).toEqual({ accountSid: ACC, sender: '+14155238886' });
    expect(settingsSchema.parse({ accountSid: ACC, sender: 'whatsapp:+14155238886' }).sender).toBe('whatsapp:+14155238886');
    const full = { accountSid: ACC, sender: '+14155238886', messagingServiceSid: 'MG0123456789abcdef0123456789abcdef', sendPerSecond: 50 };
    expect(settingsSchema.parse(full)).toEqual(full);
  });

  it.each([
    [{ sender: '+14155238886' }],
    [{ accountSid: 'SK5ef8732a3c49700934481addd5ce1659', sender: '+14155238886' }],
    [{ accountSid: 'AC123', sender: '+14155238886' }],
    [{ accountSid: ACC }],
    [{ accountSid: ACC, sender: '14155238886' }],
    [{ accountSid: ACC, sender: '+1 415 523 8886' }],
    [{ accountSid: ACC, sender: 'sms:+14155238886' }],
    [{ accountSid: ACC, sender: '+14155238886', messagingServiceSid: 'MG1' }],
    [{ accountSid: ACC, sender: '+14155238886', sendPerSecond: 0 }],
    [{ accountSid: ACC, sender: '+14155238886', sendPerSecond: 2.5 }],
    [{ accountSid: ACC, sender: '+14155238886', authToken: 'belongs in secrets' }],
  ])('refuses %j', (input) => {
    expect(settingsSchema.safeParse(input).success).toBe(false);
  });
});

describe('secrets', () => {
  it('accepts a non-empty auth token and nothing else', () => {
    expect(secretsSchema.parse({ authToken: 'f0e1d2c3' })).toEqual({ authToken: 'f0e1d2c3' });
    expect(secretsSchema.safeParse({ authToken: '' }).success).toBe(false);
    expect(secretsSchema.safeParse({}).success).toBe(false);
    expect(secretsSchema.safeParse({ authToken: 'x', apiKey: 'y' }).success).toBe(false);
  });
});
