import { describe, expect, it } from 'vitest';
import { groupByKey } from './group-by-key.js';

describe('groupByKey', () => {
  it('groups positions by key, in increasing position, as a brute-force filter does (empty keys included)', () => {
    let s = 7;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
    for (const [n, K] of [[0, 3], [1, 1], [50, 7], [400, 40]] as const) {
      const keys = Int32Array.from({ length: n }, () => Math.floor(rnd() * K));
      const { start, order } = groupByKey(keys, K);
      expect(start.length).toBe(K + 1);
      expect(order.length).toBe(n);
      for (let k = 0; k < K; k++) {
        const want = Array.from(keys.keys()).filter((r) => keys[r] === k);
        expect(Array.from(order.subarray(start[k], start[k + 1]))).toEqual(want);
      }
    }
  });

  it('a key outside [0, numKeys) is an error naming its position', () => {
    expect(() => groupByKey([0, 3, 1], 3)).toThrow('groupByKey: keys[1] = 3 is outside [0, 3)');
    expect(() => groupByKey([0, -1], 3)).toThrow('keys[1] = -1');
    expect(() => groupByKey([0.5], 3)).toThrow('keys[0] = 0.5');
  });
});
