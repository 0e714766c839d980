import { describe, expect, it } from 'vitest';
import { messageIdsIn, ourMessageId } from './message-id.js';

const CONVERSATION = '665f1c2ab3d4e5f6a7b8c9d0';
const MESSAGE = '665f1c2ab3d4e5f6a7b8c9d1';

describe('our Message-IDs', () => {
  it('name the conversation and the message, on our domain, without brackets', () => {
    expect(ourMessageId(CONVERSATION, MESSAGE, 'omnigate.test')).toBe(`og.${CONVERSATION}.${MESSAGE}@omnigate.test`);
  });
});

describe('messageIdsIn', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['<a@x.test>', ['a@x.test']],
    ['<a@x.test> <b@y.test>\r\n <c@z.test>', ['a@x.test', 'b@y.test', 'c@z.test']],
    ['<a@x.test> (Ana\'s message of "Tue, 3 Jun 2025")', ['a@x.test']],
    ['<a@x.test><b@y.test>', ['a@x.test', 'b@y.test']],
    ['<a@x.test> <b@y.test> <a@x.test>', ['a@x.test', 'b@y.test']],
    ['a@x.test b@y.test', ['a@x.test', 'b@y.test']],
    ['no ids here', []],
  ])('%j → %j', (value, ids) => {
    expect(messageIdsIn(value)).toEqual(ids);
  });
});
