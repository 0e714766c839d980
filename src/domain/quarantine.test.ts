import { describe, expect, it } from 'vitest';
import type { MessageContent } from './message.js';
import { isHeldForReview } from './quarantine.js';

const email = (fields: { automatic: boolean; bulk?: boolean }): MessageContent => ({ type: 'email', subject: 's', text: 't', newText: 't', from: 'a@example.org', to: [], cc: [], attachments: [], ...fields });

describe('isHeldForReview', () => {
  it('holds list and bulk mail only', () => {
    expect(isHeldForReview(email({ automatic: true, bulk: true }))).toBe(true);
    expect(isHeldForReview(email({ automatic: true, bulk: false }))).toBe(false);
    expect(isHeldForReview(email({ automatic: false }))).toBe(false);
    expect(isHeldForReview({ type: 'text', text: 'hi' })).toBe(false);
  });
});
