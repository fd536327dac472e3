import { describe, expect, it } from 'vitest';
import { parseNcfNegatives } from './index.js';

describe('parseNcfNegatives', () => {
  it('reads (user,item) and the tab-separated negatives of each line', () => {
    const r = parseNcfNegatives('(0,25)\t1064\t174\t2791\n(1,133)\t1072\t3154\r\n\n(2,207)\t5\t\n', 'ml-1m.test.negative');
    expect(Array.from(r.test.user)).toEqual([0, 1, 2]);
    expect(Array.from(r.test.item)).toEqual([25, 133, 207]);
    expect(Array.from(r.negatives.get(0)!)).toEqual([1064, 174, 2791]);
    expect(Array.from(r.negatives.get(1)!)).toEqual([1072, 3154]);
    expect(Array.from(r.negatives.get(2)!)).toEqual([5]);
  });
  it('accepts an iterable of lines', () => {
    const r = parseNcfNegatives(['(4,1)\t2\t3']);
    expect(Array.from(r.negatives.get(4)!)).toEqual([2, 3]);
  });
  it('names the source and line of malformed input', () => {
    expect(() => parseNcfNegatives('(0,1)\t2\n0,1\t2', 'f.neg')).toThrow(/f.neg:2: expected "\(user,item\)"/);
    expect(() => parseNcfNegatives('(0,1)\t2\tx3', 'f.neg')).toThrow(/f.neg:1: negative 2 is "x3"/);
    expect(() => parseNcfNegatives('(0,1)\t2\n\n(0,5)\t3', 'f.neg')).toThrow(/f.neg:3: user 0 already has a line \(line 1\)/);
  });
});
