import { describe, expect, it } from 'vitest';
import { firstHeader, parseHeaderBlock } from './headers.js';

describe('parseHeaderBlock', () => {
  it('lowercases names, unfolds values, keeps repeated fields in order, stops at the empty line', () => {
    const headers = parseHeaderBlock(
      ['Received: from a', '\tby b', 'Received: from c', 'Subject:  Hello  ', 'Diagnostic-Code: smtp; 550 5.1.1 <x@y.test>: Recipient address', '    rejected: User unknown', '', 'Body: not a header'].join('\r\n'),
    );
    expect(headers.get('received')).toEqual(['from a by b', 'from c']);
    expect(firstHeader(headers, 'Subject')).toBe('Hello');
    expect(firstHeader(headers, 'diagnostic-code')).toBe('smtp; 550 5.1.1 <x@y.test>: Recipient address rejected: User unknown');
    expect(headers.has('body')).toBe(false);
  });

  it('skips leading empty lines and lines that are not fields', () => {
    const headers = parseHeaderBlock('\n\nMessage-ID: <a@x.test>\nnot a field\n: no name\n');
    expect([...headers.entries()]).toEqual([['message-id', ['<a@x.test>']]]);
  });
});
