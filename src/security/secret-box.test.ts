import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box.js';

const oldKey = randomBytes(32);
const newKey = randomBytes(32);

describe('SecretBox', () => {
  it('opens what it sealed, and nothing altered', () => {
    const box = new SecretBox(oldKey);
    const sealed = box.seal({ accessToken: 'EAA-1' });
    expect(box.open(sealed)).toEqual({ accessToken: 'EAA-1' });
    expect(() => box.open({ ...sealed, data: Buffer.from('tampered').toString('base64') })).toThrow();
  });

  it('after a rotation seals with the new key and still opens what the old key sealed', () => {
    const before = new SecretBox(oldKey).seal(['whsec_1']);
    const rotated = new SecretBox(newKey, [oldKey]);
    expect(rotated.open(before)).toEqual(['whsec_1']);
    expect(rotated.isSealedWithCurrentKey(before)).toBe(false);

    const after = rotated.seal(['whsec_2']);
    expect(rotated.isSealedWithCurrentKey(after)).toBe(true);
    expect(new SecretBox(newKey).open(after)).toEqual(['whsec_2']);
    expect(() => new SecretBox(oldKey).open(after)).toThrow(/not configured/);
  });

  it('opens values sealed before sealed values named their key', () => {
    const { kid: _kid, ...unnamed } = new SecretBox(oldKey).seal('secret');
    expect(new SecretBox(newKey, [oldKey]).open(unnamed)).toBe('secret');
    expect(new SecretBox(oldKey).isSealedWithCurrentKey(unnamed)).toBe(false);
    expect(() => new SecretBox(newKey).open(unnamed)).toThrow(/none of the configured keys/);
  });

  it('reseals a value with the current key', () => {
    const rotated = new SecretBox(newKey, [oldKey]);
    const resealed = rotated.reseal(new SecretBox(oldKey).seal({ password: 'p' }));
    expect(rotated.isSealedWithCurrentKey(resealed)).toBe(true);
    expect(new SecretBox(newKey).open(resealed)).toEqual({ password: 'p' });
  });
});
