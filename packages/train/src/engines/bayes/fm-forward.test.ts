import { Rng } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { forwardRows } from './fm-forward.js';
import { bruteFm, denseDataset } from './test-utils/references.js';

describe('forwardRows', () => {
  it('matches the pairwise FM definition and fills the q_f(x) caches', () => {
    const rng = new Rng(2);
    const x = Array.from({ length: 12 }, () => Array.from({ length: 5 }, () => (rng.next() < 0.4 ? 0 : rng.normal())));
    const ds = denseDataset(x, new Array<number>(12).fill(0));
    const k = 3;
    const p = {
      bias: Float64Array.of(0.7),
      linear: Float64Array.from({ length: 5 }, () => rng.normal()),
      factors: Float64Array.from({ length: 15 }, () => rng.normal()),
    };
    const out = new Float64Array(12);
    const q = new Float64Array(12 * k);
    forwardRows(p, k, ds, out, new Float64Array(2 * k), q);
    for (let r = 0; r < 12; r++) {
      expect(out[r]).toBeCloseTo(bruteFm(p, k, ds, r), 10);
      for (let f = 0; f < k; f++) {
        const want = (x[r] as number[]).reduce((s, v, i) => s + (p.factors[i * k + f] as number) * Math.fround(v), 0);
        expect(q[r * k + f]).toBeCloseTo(want, 10);
      }
    }
  });
});
