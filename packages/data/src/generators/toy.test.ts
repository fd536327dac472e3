import { describe, expect, it } from 'vitest';
import { fmPaperToyTable } from './toy.js';

// Rendle, "Factorization Machines" (ICDM 2010), fig. 1, typed in by hand. Columns:
// user A B C | movie TI NH SW ST | other movies rated TI NH SW ST | time | last movie rated TI NH SW ST (none) | y
const FIGURE_1: number[][] = [
  [1, 0, 0, 1, 0, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0, 13, 0, 0, 0, 0, 1, 5],
  [1, 0, 0, 0, 1, 0, 0, 1 / 3, 1 / 3, 1 / 3, 0, 14, 1, 0, 0, 0, 0, 3],
  [1, 0, 0, 0, 0, 1, 0, 1 / 3, 1 / 3, 1 / 3, 0, 16, 0, 1, 0, 0, 0, 1],
  [0, 1, 0, 0, 0, 1, 0, 0, 0, 0.5, 0.5, 5, 0, 0, 0, 0, 1, 4],
  [0, 1, 0, 0, 0, 0, 1, 0, 0, 0.5, 0.5, 8, 0, 0, 1, 0, 0, 5],
  [0, 0, 1, 1, 0, 0, 0, 0.5, 0, 0.5, 0, 9, 0, 0, 0, 0, 1, 1],
  [0, 0, 1, 0, 0, 1, 0, 0.5, 0, 0.5, 0, 12, 1, 0, 0, 0, 0, 5],
];

describe('fmPaperToyTable', () => {
  it('matches fig. 1 of the FM paper cell by cell', () => {
    const { dataset, featureNames } = fmPaperToyTable();
    expect(dataset.numRows).toBe(7);
    expect(dataset.schema.numFeatures).toBe(17);
    expect(featureNames).toHaveLength(17);
    for (let r = 0; r < 7; r++) {
      const dense = new Array<number>(17).fill(0);
      const ids = dataset.rowIds(r);
      const vals = dataset.rowValues(r);
      for (let j = 0; j < ids.length; j++) dense[ids[j]!] = dense[ids[j]!]! + vals[j]!;
      const expected = FIGURE_1[r]!;
      for (let c = 0; c < 17; c++) expect(dense[c]).toBeCloseTo(expected[c]!, 6);
      expect(dataset.labels[r]).toBe(expected[17]);
    }
  });

  it('builds the schema the brief names, with readable feature names and one entry per categorical field', () => {
    const { dataset, featureNames } = fmPaperToyTable();
    expect(dataset.schema.toJSON().fields).toEqual([
      { name: 'user', kind: 'categorical', cardinality: 3 },
      { name: 'movie', kind: 'categorical', cardinality: 4 },
      { name: 'otherRated', kind: 'multi-hot', cardinality: 4 },
      { name: 'time', kind: 'numeric', cardinality: 1 },
      { name: 'lastRated', kind: 'categorical', cardinality: 5 },
    ]);
    expect(featureNames[0]).toBe('user=A');
    expect(featureNames[5]).toBe('movie=SW');
    expect(featureNames[10]).toBe('otherRated=ST');
    expect(featureNames[11]).toBe('time');
    expect(featureNames[16]).toBe('lastRated=none');
    for (let r = 0; r < 7; r++) {
      const f = Array.from(dataset.fields.subarray(dataset.offsets[r], dataset.offsets[r + 1]));
      for (const field of [0, 1, 3, 4]) expect(f.filter((x) => x === field)).toHaveLength(1);
    }
  });

  it('gives the same table as raw frame columns', () => {
    const { frame } = fmPaperToyTable();
    expect(frame.length).toBe(7);
    expect(frame.columns.user).toEqual(['A', 'A', 'A', 'B', 'B', 'C', 'C']);
    expect(frame.columns.movie).toEqual(['TI', 'NH', 'SW', 'SW', 'ST', 'TI', 'SW']);
    expect(frame.columns.lastRated).toEqual(['none', 'TI', 'NH', 'none', 'SW', 'none', 'TI']);
    expect(Array.from(frame.columns.time as Float64Array)).toEqual([13, 14, 16, 5, 8, 9, 12]);
    expect(Array.from(frame.columns.rating as Float32Array)).toEqual([5, 3, 1, 4, 5, 1, 5]);
    const other = frame.columns.otherRated as { offsets: Int32Array; tokens: string[] };
    expect(other.tokens.slice(other.offsets[3], other.offsets[4])).toEqual(['SW', 'ST']);
  });
});
