import { describe, expect, it } from 'vitest';
import { ownClientMessageId, visitorProviderMessageId } from './visitor-message.js';

describe("a visitor's own messages, by their provider id", () => {
  it("gives back the widget's id of the visitor's own message", () => {
    expect(ownClientMessageId(visitorProviderMessageId('v_123', 'abc-12345'), 'v_123')).toBe('abc-12345');
    expect(ownClientMessageId(visitorProviderMessageId('user:ana', 'abc-12345'), 'user:ana')).toBe('abc-12345');
  });

  it("claims nothing of another visitor whose id starts with this one's (a logged-in user's id may hold ':')", () => {
    expect(ownClientMessageId(visitorProviderMessageId('user:a:b', 'abc-12345'), 'user:a')).toBeNull();
    expect(ownClientMessageId(visitorProviderMessageId('v_1234', 'abc-12345'), 'v_123')).toBeNull();
    expect(ownClientMessageId(null, 'v_123')).toBeNull();
  });
});
