import { describe, expect, it } from 'vitest';
import { pca2 } from './pca.js';

describe('pca2', () => {
  it('matches the closed-form eigen decomposition of a 2×2 covariance', () => {
    // Points (rows) with means (2, 3).
    const X = [0, 1, 1, 4, 3, 2, 4, 5];
    // Centred: (-2,-2), (-1,1), (1,-1), (2,2). Sums: Σx² = 4+1+1+4 = 10, Σy² = 10, Σxy = 4-1-1+4 = 6.
    // C = [[10, 6], [6, 10]] / 3. Eigenvalues (10±6)/3 = 16/3 and 4/3, vectors (1,1)/√2 and (1,-1)/√2.
    const p = pca2(X, 4, 2);
    expect(Array.from(p.mean)).toEqual([2, 3]);
    expect(p.variances[0]).toBeCloseTo(16 / 3, 9);
    expect(p.variances[1]).toBeCloseTo(4 / 3, 9);
    const s = Math.SQRT1_2;
    expect(Math.abs(p.components[0] as number)).toBeCloseTo(s, 9);
    expect(p.components[0]).toBeCloseTo(p.components[1] as number, 9);
    expect(Math.abs(p.components[2] as number)).toBeCloseTo(s, 9);
    expect(p.components[2]).toBeCloseTo(-(p.components[3] as number), 9);
    // Projections on (1,1)/√2: (-4, 0, 0, 4)/√2 (up to the sign convention: largest entry positive,
    // ties between equal entries keep the first, which is positive here).
    const c0 = [0, 1, 2, 3].map((r) => p.coords[r * 2] as number);
    const expected = [-4 * s, 0, 0, 4 * s];
    const sign = Math.sign(c0[3] as number);
    c0.forEach((v, i) => expect(v * sign).toBeCloseTo(expected[i] as number, 9));
  });

  it('finds the direction of a noisy line in 3-D and the variances sum to the trace', () => {
    // Points t * (1, 2, 2)/3 + small orthogonal wiggle.
    const rows = 50;
    const X: number[] = [];
    for (let r = 0; r < rows; r++) {
      const t = r - 25;
      const w = (r % 2 === 0 ? 1 : -1) * 0.1;
      // (2, -1, 0)/√5 is orthogonal to (1,2,2)
      X.push(t / 3 + (2 * w) / Math.sqrt(5), (2 * t) / 3 - w / Math.sqrt(5), (2 * t) / 3);
    }
    const p = pca2(X, rows, 3);
    const dir = [1 / 3, 2 / 3, 2 / 3];
    const cos = dir.reduce((acc, d, i) => acc + d * (p.components[i] as number), 0);
    expect(Math.abs(cos)).toBeCloseTo(1, 6);
    // Both components are eigenvectors of the brute-force sample covariance: C u = λ u.
    const mean = [0, 1, 2].map((c) => X.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / rows);
    const C = [0, 1, 2].map((i) =>
      [0, 1, 2].map((j) => {
        let s = 0;
        for (let r = 0; r < rows; r++) s += ((X[r * 3 + i] as number) - (mean[i] as number)) * ((X[r * 3 + j] as number) - (mean[j] as number));
        return s / (rows - 1);
      }),
    );
    for (let k = 0; k < 2; k++) {
      const u = [0, 1, 2].map((i) => p.components[k * 3 + i] as number);
      for (let i = 0; i < 3; i++) {
        const cu = (C[i] as number[]).reduce((a, cij, j) => a + cij * (u[j] as number), 0);
        expect(cu).toBeCloseTo((p.variances[k] as number) * (u[i] as number), 7);
      }
    }
    // Brute-force variance of the projections equals the reported eigenvalue.
    const proj = Array.from({ length: rows }, (_, r) => p.coords[r * 2] as number);
    const m = proj.reduce((a, b) => a + b, 0) / rows;
    const v = proj.reduce((a, b) => a + (b - m) ** 2, 0) / (rows - 1);
    expect(p.variances[0]).toBeCloseTo(v, 6);
    // Second component: the wiggle direction (2,-1,0)/√5.
    const cos2 = [2, -1, 0].reduce((acc, d, i) => acc + (d / Math.sqrt(5)) * (p.components[3 + i] as number), 0);
    expect(Math.abs(cos2)).toBeCloseTo(1, 6);
  });

  it('validates its arguments', () => {
    expect(() => pca2([1, 2, 3], 2, 2)).toThrow(/expected rows\*cols = 4/);
    expect(() => pca2([], 0, 2)).toThrow(/positive integers/);
  });
});
