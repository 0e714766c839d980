import { describe, expect, it } from 'vitest';
import { asksForPerson, DEFAULT_HANDOFF_PHRASES, looksLikeLoop, normalizeText } from './ai-agent.js';

describe('asking for a person', () => {
  it('finds a phrase as whole words, whatever the case, accents and punctuation', () => {
    expect(asksForPerson('Can I talk to a HUMAN?', DEFAULT_HANDOFF_PHRASES)).toBe(true);
    expect(asksForPerson('agent please', DEFAULT_HANDOFF_PHRASES)).toBe(true);
    expect(asksForPerson('¡Quiero hablar con una PERSONA!', ['hablar con una persona'])).toBe(true);
    expect(asksForPerson('Je veux un conseiller', ['conseiller'])).toBe(true);
  });

  it('ignores the phrase inside another word and empty phrases', () => {
    expect(asksForPerson('my agency sent it', DEFAULT_HANDOFF_PHRASES)).toBe(false);
    expect(asksForPerson('humanity', DEFAULT_HANDOFF_PHRASES)).toBe(false);
    expect(asksForPerson('anything', ['  ', '!!'])).toBe(false);
  });

  it('normalizes text to plain lower-case words', () => {
    expect(normalizeText('  Ça  VA, très bien!! ')).toBe('ca va tres bien');
  });
});

describe('loop detection', () => {
  it('sees our own reply sent back', () => {
    expect(looksLikeLoop([{ from: 'customer', text: 'hi' }, { from: 'ai_agent', text: 'Hello! How can I help?' }, { from: 'customer', text: 'hello, how can I help' }])).toBe(true);
  });

  it('sees the same customer message three times in a row', () => {
    const same = { from: 'customer' as const, text: 'Out of office' };
    const reply = { from: 'ai_agent' as const, text: 'Noted' };
    expect(looksLikeLoop([same, reply, same, { ...reply, text: 'Noted again' }, same])).toBe(true);
    expect(looksLikeLoop([same, reply, same])).toBe(false);
  });

  it('leaves an ordinary conversation alone', () => {
    expect(looksLikeLoop([{ from: 'customer', text: 'where is my order' }, { from: 'ai_agent', text: 'Which order?' }, { from: 'customer', text: '1234' }])).toBe(false);
    expect(looksLikeLoop([])).toBe(false);
  });
});
