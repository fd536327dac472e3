import { describe, expect, it } from 'vitest';
import { Vocabulary, compareKeys } from './index.js';

describe('Vocabulary', () => {
  it('gives ids from 1 in sorted key order, numbers before strings, 0 for unseen keys', () => {
    const v = new Vocabulary(['b', 10, 'a', 2, 'B']);
    expect(v.keys).toEqual([2, 10, 'B', 'a', 'b']);
    expect(v.size).toBe(6);
    expect(v.get(2)).toBe(1);
    expect(v.get(10)).toBe(2);
    expect(v.get('b')).toBe(5);
    expect(v.get('10')).toBe(0); // exact keys: "10" is not 10
    expect(v.get(3)).toBe(0);
    expect(v.key(0)).toBeUndefined();
    expect(v.key(4)).toBe('a');
  });

  it('uses a dense table for small integer keys with the same answers as a Map', () => {
    const keys = [0, 5, 17, 1000, 3];
    const v = new Vocabulary(keys);
    const sorted = [...keys].sort((a, b) => a - b);
    for (let k = -2; k < 1100; k++) expect(v.get(k)).toBe(sorted.indexOf(k) + 1);
    expect(v.get(2.5)).toBe(0);
    // sparse huge keys fall back to the Map
    const w = new Vocabulary([1, 2 ** 30]);
    expect(w.get(2 ** 30)).toBe(2);
    expect(w.get(-5)).toBe(0);
  });

  it('fromCounts applies minCount and maxSize (most frequent, ties by key)', () => {
    const counts = new Map<string | number, number>([
      ['x', 5],
      ['y', 1],
      ['z', 3],
      ['w', 3],
    ]);
    expect(Vocabulary.fromCounts(counts, { minCount: 2 }).keys).toEqual(['w', 'x', 'z']);
    expect(Vocabulary.fromCounts(counts, { maxSize: 2 }).keys).toEqual(['w', 'x']);
    expect(Vocabulary.fromCounts(counts, { maxSize: 0 }).size).toBe(1);
  });

  it('rejects duplicate and non-finite keys', () => {
    expect(() => new Vocabulary([1, 1])).toThrow('duplicate key 1');
    expect(() => new Vocabulary([NaN])).toThrow('not a finite number');
    expect(compareKeys(1, 'a')).toBeLessThan(0);
  });
});
