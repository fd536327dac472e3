import { describe, expect, it } from 'vitest';
import { logit } from './logit.js';

describe('logit', () => {
  it('inverts σ inside the bounds and clamps at them', () => {
    for (const p of [1e-5, 0.1, 0.5, 0.73, 0.99999]) expect(1 / (1 + Math.exp(-logit(p)))).toBeCloseTo(p, 12);
    expect(logit(0)).toBeCloseTo(Math.log(1e-7 / (1 - 1e-7)), 8);
    expect(logit(1)).toBeCloseTo(-Math.log(1e-7 / (1 - 1e-7)), 8);
    expect(logit(1, 1e-6)).toBeCloseTo(Math.log((1 - 1e-6) / 1e-6), 8);
  });
});
