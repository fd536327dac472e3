import { describe, expect, it } from 'vitest';
import { buildColumnView } from './column-view.js';
import { denseDataset } from './test-utils/references.js';

describe('buildColumnView', () => {
  it('is the transpose of the CSR rows, rows ascending within a column', () => {
    const x = [
      [1, 0, 2.5, 0],
      [0, 0, -1, 1],
      [4, 5, 0, 0],
      [0, 0, 0, 0],
      [0.5, 0, 7, 1],
    ];
    const cols = buildColumnView(denseDataset(x, [0, 0, 0, 0, 0]));
    for (let c = 0; c < 4; c++) {
      const s = cols.starts[c] as number;
      const e = cols.starts[c + 1] as number;
      const want = x.flatMap((row, r) => (row[c] !== 0 ? [[r, row[c]]] : []));
      const got = Array.from({ length: e - s }, (_, j) => [cols.rows[s + j], cols.values[s + j]]);
      expect(got).toEqual(want);
      expect(cols.sumSquares[c]).toBeCloseTo(x.reduce((t, row) => t + (row[c] as number) ** 2, 0), 6);
    }
    expect(cols.maxColumnLength).toBe(3);
    expect(Array.from(cols.unit)).toEqual([0, 0, 0, 1]); // column 3 holds only 1s (and an empty column would too)
  });
});
