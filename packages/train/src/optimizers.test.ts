import { describe, expect, it } from 'vitest';
import { createOptimizer, type OptimizerName } from './optimizers.js';

// Plain reference rules, written per coordinate straight from the papers.
type Ref = { step(w: number[][], g: number[][], rows: number[], t: number): void };

function refSgd(lr: number): Ref {
  return { step: (w, g, rows) => rows.forEach((r, i) => w[r]!.forEach((_, j) => (w[r]![j]! -= lr * g[i]![j]!))) };
}
function refAdam(lr: number, b1 = 0.9, b2 = 0.999, eps = 1e-8): Ref {
  const m = [...Array(5)].map(() => [0, 0, 0]);
  const v = [...Array(5)].map(() => [0, 0, 0]);
  return {
    step(w, g, rows, t) {
      rows.forEach((r, i) =>
        w[r]!.forEach((_, j) => {
          const gj = g[i]![j]!;
          m[r]![j] = b1 * m[r]![j]! + (1 - b1) * gj;
          v[r]![j] = b2 * v[r]![j]! + (1 - b2) * gj * gj;
          const mhat = m[r]![j]! / (1 - b1 ** t);
          const vhat = v[r]![j]! / (1 - b2 ** t);
          w[r]![j]! -= (lr * mhat) / (Math.sqrt(vhat) + eps * 1); // ε on v̂ (equals ε̂ on v)
        }),
      );
    },
  };
}
function refAdagrad(lr: number, a0 = 0.1, eps = 1e-8): Ref {
  const a = [...Array(5)].map(() => [a0, a0, a0]);
  return {
    step(w, g, rows) {
      rows.forEach((r, i) =>
        w[r]!.forEach((_, j) => {
          a[r]![j]! += g[i]![j]! ** 2;
          w[r]![j]! -= (lr * g[i]![j]!) / (Math.sqrt(a[r]![j]!) + eps);
        }),
      );
    },
  };
}
function refFtrl(alpha: number, beta: number, l1: number, l2: number, w0: number[][]): Ref {
  // McMahan et al. 2013, Algorithm 1; z initialised so that the first weights equal w0
  const n = [...Array(5)].map(() => [0, 0, 0]);
  const z = w0.map((row) => row.map((w) => -w * (beta / alpha + l2) - Math.sign(w) * l1));
  return {
    step(w, g, rows) {
      rows.forEach((r, i) =>
        w[r]!.forEach((_, j) => {
          const gi = g[i]![j]!;
          const sigma = (Math.sqrt(n[r]![j]! + gi * gi) - Math.sqrt(n[r]![j]!)) / alpha;
          z[r]![j]! += gi - sigma * w[r]![j]!;
          n[r]![j]! += gi * gi;
          const zz = z[r]![j]!;
          w[r]![j] = Math.abs(zz) <= l1 ? 0 : -(zz - Math.sign(zz) * l1) / ((beta + Math.sqrt(n[r]![j]!)) / alpha + l2);
        }),
      );
    },
  };
}

const w0 = [
  [0.1, -0.2, 0.3],
  [0.5, 0.4, -0.6],
  [-0.7, 0.8, 0.05],
  [0.2, 0.0, -0.1],
  [0.9, -0.3, 0.25],
];
const steps: { rows: number[]; g: number[][] }[] = [
  { rows: [1, 3], g: [[0.5, -1, 2], [0.1, 0.2, -0.3]] },
  { rows: [0, 1], g: [[-0.4, 0.3, 0.2], [1.5, -0.5, 0.25]] },
  { rows: [3], g: [[0.05, -0.02, 0.7]] },
];

describe('row-wise optimizers vs plain references on a 5×3 table', () => {
  const cases: [OptimizerName, () => Ref, Record<string, number>][] = [
    ['sgd', () => refSgd(0.1), {}],
    ['adam', () => refAdam(0.05), {}],
    ['adagrad', () => refAdagrad(0.2), {}],
    ['ftrl', () => refFtrl(0.3, 1, 0, 0, w0), {}],
    ['ftrl', () => refFtrl(0.3, 0.5, 0.05, 0.1, w0), { ftrlBeta: 0.5, ftrlL1: 0.05, ftrlL2: 0.1 }],
  ];
  for (const [name, makeRef, extra] of cases) {
    it(`${name} ${JSON.stringify(extra)} updates only touched rows, exactly as the reference`, () => {
      const lr = { sgd: 0.1, adam: 0.05, adagrad: 0.2, ftrl: 0.3 }[name];
      const opt = createOptimizer(name, { learningRate: lr, ...extra });
      const slot = opt.newSlot(15, 3);
      const table = Float32Array.from(w0.flat());
      const ref = makeRef();
      const expected = w0.map((r) => [...r]);
      steps.forEach(({ rows, g }, s) => {
        opt.beginStep();
        const w = new Float32Array(rows.length * 3);
        rows.forEach((r, i) => w.set(table.subarray(r * 3, r * 3 + 3), i * 3));
        opt.update(slot, Int32Array.from(rows), w, Float32Array.from(g.flat()));
        rows.forEach((r, i) => table.set(w.subarray(i * 3, i * 3 + 3), r * 3));
        ref.step(expected, g, rows, s + 1);
      });
      expected.flat().forEach((e, i) => expect(table[i]).toBeCloseTo(e, 5));
      // row 2 and 4 were never touched
      expect(Array.from(table.subarray(6, 9))).toEqual(Array.from(Float32Array.from(w0[2]!)));
      expect(Array.from(table.subarray(12, 15))).toEqual(Array.from(Float32Array.from(w0[4]!)));
    });
  }

  it('hand-checked first steps', () => {
    // SGD: 0.5 − 0.1·2 = 0.3
    const sgd = createOptimizer('sgd', { learningRate: 0.1 });
    const w = Float32Array.of(0.5);
    sgd.beginStep();
    sgd.update(sgd.newSlot(1, 1), null, w, Float32Array.of(2));
    expect(w[0]).toBeCloseTo(0.3, 6);
    // Adam's first step is −lr·sign(g) (m̂ = g, v̂ = g²)
    const adam = createOptimizer('adam', { learningRate: 0.01 });
    const wa = Float32Array.of(1, 1);
    adam.beginStep();
    adam.update(adam.newSlot(2, 1), null, wa, Float32Array.of(3, -0.5));
    expect(wa[0]).toBeCloseTo(0.99, 6);
    expect(wa[1]).toBeCloseTo(1.01, 6);
    // FTRL warm start with λ = 0: w − αg/(β + |g|) = 0.5 − 0.3·2/(1 + 2) = 0.3
    const ftrl = createOptimizer('ftrl', { learningRate: 0.3 });
    const wf = Float32Array.of(0.5);
    ftrl.beginStep();
    ftrl.update(ftrl.newSlot(1, 1), null, wf, Float32Array.of(2));
    expect(wf[0]).toBeCloseTo(0.3, 6);
    // FTRL with a large λ₁ drives the weight to exactly 0
    const sparse = createOptimizer('ftrl', { learningRate: 0.3, ftrlL1: 100 });
    const ws = Float32Array.of(0.01);
    sparse.beginStep();
    sparse.update(sparse.newSlot(1, 1), null, ws, Float32Array.of(0.5));
    expect(ws[0]).toBe(0);
  });

  it('rejects bad settings and mismatched buffers', () => {
    expect(() => createOptimizer('sgd', { learningRate: -1 })).toThrow(/learningRate/);
    expect(() => createOptimizer('rmsprop' as OptimizerName, { learningRate: 1 })).toThrow(/sgd \| adam \| adagrad \| ftrl/);
    const opt = createOptimizer('sgd', { learningRate: 1 });
    expect(() => opt.update(opt.newSlot(6, 3), Int32Array.of(0), new Float32Array(2), new Float32Array(3))).toThrow(/need 3/);
    expect(() => opt.update(opt.newSlot(6, 3), Int32Array.of(5), new Float32Array(3), new Float32Array(3))).toThrow(/row 5/);
  });
});

describe('row-wise updates of many rows (across the touch chunks)', () => {
  const n = 1000;
  const r = 4;
  /** Deterministic pseudo-random numbers in [-1, 1). */
  const rand = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
  /** 3 steps, each of 203 distinct rows in a scattered order (not a multiple of the chunk size). */
  const batches = [1, 2, 3].map((s) => {
    const next = rand(s);
    const rows = Int32Array.from({ length: 203 }, (_, i) => (i * 389 + s * 17) % n);
    return { rows, g: Float32Array.from({ length: rows.length * r }, next) };
  });
  const start = Float32Array.from({ length: n * r }, rand(9));

  it('adam matches a float64 per-coordinate reference', () => {
    const [lr, b1, b2, eps] = [0.05, 0.9, 0.999, 1e-8];
    const opt = createOptimizer('adam', { learningRate: lr });
    const slot = opt.newSlot(n * r, r);
    const table = Float32Array.from(start);
    const expected = Array.from(start);
    const m = new Array<number>(n * r).fill(0);
    const v = new Array<number>(n * r).fill(0);
    batches.forEach(({ rows, g }, s) => {
      opt.beginStep();
      const w = new Float32Array(rows.length * r);
      rows.forEach((row, i) => w.set(table.subarray(row * r, row * r + r), i * r));
      opt.update(slot, rows, w, g);
      rows.forEach((row, i) => table.set(w.subarray(i * r, i * r + r), row * r));
      const t = s + 1;
      rows.forEach((row, i) => {
        for (let j = 0; j < r; j++) {
          const c = row * r + j;
          const gj = g[i * r + j]!;
          m[c] = b1 * m[c]! + (1 - b1) * gj;
          v[c] = b2 * v[c]! + (1 - b2) * gj * gj;
          expected[c] = expected[c]! - (lr * (m[c]! / (1 - b1 ** t))) / (Math.sqrt(v[c]! / (1 - b2 ** t)) + eps);
        }
      });
    });
    expected.forEach((e, i) => expect(table[i]).toBeCloseTo(e, 5));
    // rows never touched keep their weights exactly
    const touched = new Set(batches.flatMap((b) => Array.from(b.rows)));
    for (let row = 0; row < n; row++) if (!touched.has(row)) expect(table.subarray(row * r, row * r + r)).toEqual(start.subarray(row * r, row * r + r));
  });

  for (const name of ['sgd', 'adam', 'adagrad', 'ftrl'] as const) {
    it(`${name}: one call for all rows equals one call per row`, () => {
      const run = (perRow: boolean) => {
        const opt = createOptimizer(name, { learningRate: 0.05 });
        const slot = opt.newSlot(n * r, r);
        const table = Float32Array.from(start);
        for (const { rows, g } of batches) {
          opt.beginStep();
          const w = new Float32Array(rows.length * r);
          rows.forEach((row, i) => w.set(table.subarray(row * r, row * r + r), i * r));
          if (perRow) rows.forEach((row, i) => opt.update(slot, Int32Array.of(row), w.subarray(i * r, i * r + r), g.subarray(i * r, i * r + r)));
          else opt.update(slot, rows, w, g);
          rows.forEach((row, i) => table.set(w.subarray(i * r, i * r + r), row * r));
        }
        return table;
      };
      const all = run(false);
      expect(all).toEqual(run(true));
      expect(all).not.toEqual(start);
    });
  }
});
