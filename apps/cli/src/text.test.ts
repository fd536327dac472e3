import { describe, expect, it } from 'vitest';
import { formatHistogram, formatTable, labelHistogram } from './text.js';

describe('labelHistogram', () => {
  it('bins integer ratings one per value, including empty ones', () => {
    expect(labelHistogram([1, 5, 5, 3, 5, 1])).toEqual([
      { label: '1', count: 2 },
      { label: '2', count: 0 },
      { label: '3', count: 1 },
      { label: '4', count: 0 },
      { label: '5', count: 3 },
    ]);
  });

  it('uses equal-width bins for continuous labels; the max falls in the last bin', () => {
    const h = labelHistogram([0, 0.1, 0.5, 0.99, 1], 2);
    expect(h.map((b) => b.count)).toEqual([2, 3]);
    expect(h.reduce((s, b) => s + b.count, 0)).toBe(5);
  });
});

describe('formatHistogram', () => {
  it('scales the longest bar to the width and shows counts and shares', () => {
    const text = formatHistogram([{ label: '1', count: 10 }, { label: '2', count: 30 }], 6);
    const [a, b] = text.split('\n');
    expect(a).toBe('  1 ██     10 (25.0%)');
    expect(b).toBe('  2 ██████ 30 (75.0%)');
  });
});

describe('formatTable', () => {
  it('aligns text left and numbers right', () => {
    expect(formatTable(['item', 'score'], [['a', 1.5], ['bcd', 10]])).toBe('item  score\na     1.500\nbcd      10');
  });
});
