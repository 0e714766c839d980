import { describe, expect, it } from 'vitest';
import { CommandReader, mailboxPattern, sequenceSet, type Token } from './imap-syntax.js';

describe('IMAP command syntax', () => {
  it('reads atoms, quoted strings, lists and literals, asking for a synchronizing literal once', () => {
    const commands: Token[][] = [];
    let continuations = 0;
    const reader = new CommandReader(
      (tokens) => commands.push(tokens),
      () => continuations++,
    );
    reader.push(Buffer.from('a1 APPEND "Sent Items" (\\Seen) " 6-Dec-2026 10:22:01 +0000" {5}\r\n'));
    expect(continuations).toBe(1);
    reader.push(Buffer.from('he'));
    reader.push(Buffer.from('llo\r\na2 UID FETCH 3:* (UID BODY.PEEK[HEADER.FIELDS (FROM)])\r\n'));
    expect(continuations).toBe(1);
    expect(commands).toEqual([
      ['a1', 'APPEND', 'Sent Items', ['\\Seen'], ' 6-Dec-2026 10:22:01 +0000', Buffer.from('hello')],
      ['a2', 'UID', 'FETCH', '3:*', ['UID', 'BODY.PEEK[HEADER.FIELDS (FROM)]']],
    ]);
  });

  it('takes a LITERAL+ literal without asking', () => {
    const commands: Token[][] = [];
    const reader = new CommandReader(
      (tokens) => commands.push(tokens),
      () => expect.unreachable('no continuation for {n+}'),
    );
    reader.push(Buffer.from('a1 LOGIN {4+}\r\nuser "pass \\"word\\""\r\n'));
    expect(commands).toEqual([['a1', 'LOGIN', Buffer.from('user'), 'pass "word"']]);
  });

  it('reads sequence sets, * being the largest number', () => {
    const set = sequenceSet('2,5:*', 7)!;
    expect([1, 2, 3, 5, 7, 8].filter(set)).toEqual([2, 5, 7]);
    expect([6, 7].filter(sequenceSet('9:*', 7)!)).toEqual([7]);
    expect(sequenceSet('1:x', 7)).toBeNull();
  });

  it('matches mailbox patterns: * anything, % within one level', () => {
    expect(mailboxPattern('*', '/').test('Archive/2026')).toBe(true);
    expect(mailboxPattern('%', '/').test('Archive/2026')).toBe(false);
    expect(mailboxPattern('INBOX', '/').test('INBOX')).toBe(true);
  });
});
