import { describe, expect, it } from 'vitest';
import { BatchRows } from './batch-rows.js';
import { touchedRows } from './regularization.js';

describe('BatchRows', () => {
  it('lists each distinct id once, maps every slot to it and counts non-padding slots, as touchedRows', () => {
    const rows = new BatchRows(10);
    // two rows of width 4; id 0 with value 0 is padding, id 0 with a value is a real feature
    const ids = Int32Array.from([3, 7, 0, 0, 7, 0, 3, 9]);
    const values = Float32Array.from([1, 1, 0, 0, 1, 2, 0.5, 1]);
    for (let repeat = 0; repeat < 2; repeat++) {
      const { unique, counts, local } = rows.index(ids, values);
      expect(Array.from(unique)).toEqual([3, 7, 0, 9]);
      ids.forEach((id, s) => expect(unique[local[s] as number]).toBe(id));
      // brute-force reference: the sorted touchedRows of the same batch
      const ref = touchedRows(ids, values);
      const byId = new Map(Array.from(ref.unique, (id, i) => [id, ref.counts[i]]));
      unique.forEach((id, u) => expect(counts[u]).toBe(byId.get(id)));
      expect(Array.from(counts)).toEqual([2, 2, 1, 1]);
    }
  });

  it('reuses its buffers across batches of different sizes without stale marks', () => {
    const rows = new BatchRows(5);
    rows.index(Int32Array.from([4, 4, 1, 2, 3, 0]), new Float32Array(6).fill(1));
    const { unique, counts } = rows.index(Int32Array.from([2, 4]), new Float32Array(2).fill(1));
    expect(Array.from(unique)).toEqual([2, 4]);
    expect(Array.from(counts)).toEqual([1, 1]);
  });

  it('names the slot of an id outside [0, n)', () => {
    const rows = new BatchRows(5);
    expect(() => rows.index(Int32Array.from([1, 5]), new Float32Array(2).fill(1))).toThrow(/feature id 5 \(slot 1.*\[0, 5\)/);
    // the marks were reset: the next batch is indexed from scratch
    expect(Array.from(rows.index(Int32Array.from([1]), Float32Array.from([1])).unique)).toEqual([1]);
  });
});
