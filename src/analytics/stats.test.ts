import { describe, expect, it } from 'vitest';
import { average, percentile } from './stats.js';

describe('average', () => {
  it('is the mean, and null for nothing', () => {
    expect(average([1, 2, 3, 4])).toBe(2.5);
    expect(average([7])).toBe(7);
    expect(average([])).toBeNull();
  });
});

describe('percentile (nearest rank)', () => {
  it('takes the value at rank ceil(p × n) of the sorted values', () => {
    const tenValues = [100, 10, 90, 20, 80, 30, 70, 40, 60, 50];
    expect(percentile(tenValues, 90)).toBe(90); // rank 9 of 10
    expect(percentile(tenValues, 50)).toBe(50); // rank 5
    expect(percentile(tenValues, 100)).toBe(100);
    expect(percentile([5, 1, 3], 90)).toBe(5); // rank ceil(2.7) = 3
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10); // rank ceil(9.9) = 10
  });

  it('is one of the values, never an interpolation', () => {
    expect(percentile([10, 20], 90)).toBe(20);
    expect(percentile([10, 20], 50)).toBe(10);
  });

  it('is the only value of one, null for none, and refuses a percentile outside (0, 100]', () => {
    expect(percentile([42], 90)).toBe(42);
    expect(percentile([], 90)).toBeNull();
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('does not reorder the caller’s values', () => {
    const values = [3, 1, 2];
    percentile(values, 90);
    expect(values).toEqual([3, 1, 2]);
  });
});
