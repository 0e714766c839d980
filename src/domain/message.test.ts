import { describe, expect, it } from 'vitest';
import { startsWorkForPeople, type MessageContent } from './message.js';

const email = (fields: { automatic: boolean; bulk?: boolean }): MessageContent => ({
  type: 'email',
  subject: 'Order 5678',
  text: 'Hello',
  newText: 'Hello',
  from: 'john.smith@contoso.com',
  to: ['support@omnigate.test'],
  cc: [],
  attachments: [],
  ...fields,
});

describe('startsWorkForPeople', () => {
  it('a person writing does', () => {
    expect(startsWorkForPeople({ content: { type: 'text', text: 'Where is my order?' } })).toBe(true);
    expect(startsWorkForPeople({ content: email({ automatic: false, bulk: false }) })).toBe(true);
    // Stored before bulk mail was told apart.
    expect(startsWorkForPeople({ content: email({ automatic: false }) })).toBe(true);
  });

  it('automatic mail (auto-replies, notifications) does not', () => {
    expect(startsWorkForPeople({ content: email({ automatic: true, bulk: false }) })).toBe(false);
    expect(startsWorkForPeople({ content: email({ automatic: true }) })).toBe(false);
  });

  it('list or bulk mail does once it reaches a conversation: only an admin releasing it from quarantine lets it', () => {
    expect(startsWorkForPeople({ content: email({ automatic: true, bulk: true }) })).toBe(true);
  });
});
