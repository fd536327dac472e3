import { describe, expect, it } from 'vitest';
import { TOUCH_CHUNK, copyRows } from './row-gather.js';

describe('copyRows', () => {
  for (const r of [1, 3, 16]) {
    for (const count of [0, 1, TOUCH_CHUNK - 1, TOUCH_CHUNK, TOUCH_CHUNK + 1, 5 * TOUCH_CHUNK + 7]) {
      it(`gathers and scatters ${count} rows of ${r}, as an indexed loop`, () => {
        const n = 500;
        const table = Float32Array.from({ length: n * r }, (_, i) => i * 0.5 - 7);
        // scattered, with repeats when gathering
        const rows = Int32Array.from({ length: count }, (_, i) => (i * 197 + 3) % n);
        const packed = new Float32Array(count * r).fill(Number.NaN);
        copyRows(table, rows, r, packed, false);
        for (let u = 0; u < count; u++) for (let j = 0; j < r; j++) expect(packed[u * r + j]).toBe(table[rows[u]! * r + j]);

        // back: distinct rows only (a scatter of repeated rows keeps the last)
        const distinct = Int32Array.from(new Set(rows));
        const values = Float32Array.from({ length: distinct.length * r }, (_, i) => 1000 + i);
        const out = Float32Array.from(table);
        copyRows(out, distinct, r, values, true);
        const expected = Float32Array.from(table);
        distinct.forEach((row, u) => {
          for (let j = 0; j < r; j++) expected[row * r + j] = values[u * r + j]!;
        });
        expect(out).toEqual(expected);
      });
    }
  }
});
