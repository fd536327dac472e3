import { Rng } from '@fm/data';
import { describe, expect, it } from 'vitest';
import { fieldStartsOf } from './kernel-ctx.js';
import { createNativeParams, fieldOfFeatureTable } from './params.js';
import { nativePredict } from './predict.js';
import { bruteScore, datasetOf } from './test-utils/brute-force.js';
import { batchOf, denseOf, denseStep, fdGradient, usesOf, type DenseOptState } from './test-utils/dense-reference.js';
import { newState, optimizerConfig, runOrder, type RunSettings } from './test-utils/run.js';
import type { NativeKind, NativeOptimizer, NativeParams, NativeTask } from './types.js';

const dims = [3, 4, 2];
// Rows mixing one-hot, repeated fields (multi-hot) and non-unit values.
const rows: [number, number][][] = [
  [[0, 1], [3, 1], [7, 1]],
  [[1, 0.5], [2, 1.5], [4, -1], [8, 2]],
  [[2, 1], [6, 0.25]],
  [[5, 3]],
];
const data = datasetOf(dims, rows, [1, 0, 1, 0]);
// user (field 0), item (field 1), context (field 2): one of each per row, for negatives and BPR
const uiRows: [number, number][][] = [
  [[0, 1], [3, 1], [7, 0.5]],
  [[1, 1], [4, 1], [8, 1]],
  [[2, 1], [5, 1], [7, 2]],
  [[0, 1], [6, 1], [8, 1]],
];
const uiData = datasetOf(dims, uiRows, [1, 1, 1, 1]);
// the same without the context entry: one shared feature per row (BPR's two-pass step), non-unit user values
const uiPairs = datasetOf(dims, uiRows.map((r, i) => [[(r[0] as [number, number])[0], i === 2 ? 0.5 : 1], r[1] as [number, number]]), [1, 1, 1, 1]);
const itemSlot = Int32Array.from([1, 1, 1, 1]);

function randomParams(kind: NativeKind, k: number, seed: number, normalize = false): NativeParams {
  const p = createNativeParams(kind, dims, k, { seed, initStd: 0.5, normalize });
  const rng = new Rng(seed + 1);
  p.bias[0] = rng.normal();
  for (let i = 0; i < p.linear.length; i++) p.linear[i] = rng.normal();
  return p;
}

describe('native forward', () => {
  // ffm: k = 4 (its unrolled loop), 5 (the plain one), 8 (four partial sums per dot product)
  for (const [kind, normalize, k] of [['lr', false, 5], ['fm', false, 5], ['ffm', false, 5], ['ffm', true, 5], ['ffm', false, 4], ['ffm', false, 8]] as const) {
    it(`${kind}${normalize ? ' (normalised)' : ''}, k = ${k}: equals the brute-force pairwise sum`, () => {
      const p = randomParams(kind, k, 11, normalize);
      const got = nativePredict(p, data);
      for (let r = 0; r < data.numRows; r++) {
        expect(got[r]).toBeCloseTo(bruteScore(p, data.rowIds(r), data.rowValues(r)), 5);
      }
    });
  }

  it('fm: the O(k·nnz) identity matches a hand-computed 2-feature example', () => {
    const p = createNativeParams('fm', [1, 1], 2, { seed: 0, initStd: 0 });
    p.bias[0] = 0.5;
    p.linear.set([1, -2]);
    p.factors.set([1, 2, 3, 4]); // v0 = (1,2), v1 = (3,4): ⟨v0,v1⟩ = 11
    const d = datasetOf([1, 1], [[[0, 2], [1, 1]]], [0]);
    // 0.5 + 1·2 − 2·1 + 11·2·1 = 22.5
    expect(nativePredict(p, d)[0]).toBeCloseTo(22.5, 5);
  });

  it('ffm normalisation divides the pair term by Σx² (hand-computed)', () => {
    const p = createNativeParams('ffm', [1, 1], 1, { seed: 0, initStd: 0, normalize: true });
    p.factors.set([0, 2, 3, 0]); // v_{0,f1} = 2, v_{1,f0} = 3
    const d = datasetOf([1, 1], [[[0, 2], [1, 1]]], [0]);
    // pair 2·3·2·1 = 12, Σx² = 5 → 2.4
    expect(nativePredict(p, d)[0]).toBeCloseTo(2.4, 5);
  });
});

/** A negative for every position, local to the test: items 3..6 in a fixed pattern. */
function negativesFor(order: number[], perRow: number) {
  const items = new Int32Array(order.length * perRow);
  order.forEach((r, t) => {
    for (let q = 0; q < perRow; q++) {
      const pos = uiRows[r]?.[1]?.[0] as number;
      items[t * perRow + q] = 3 + ((pos - 3 + 1 + q) % 4);
    }
  });
  return { perRow, itemSlot, items };
}

describe('one mini-batch step equals −lr·∇J of the objective by its definition (finite differences)', () => {
  const cases: [NativeKind, NativeTask, number, boolean][] = [
    ['lr', 'regression', 0, false], ['fm', 'regression', 0, false], ['ffm', 'regression', 0, false], ['ffm', 'binary', 0, true],
    ['fm', 'binary', 0, false], ['fm', 'binary', 2, false], ['ffm', 'binary', 1, true], ['lr', 'ranking', 1, false],
    ['fm', 'ranking', 1, false], ['ffm', 'ranking', 1, true],
  ];
  for (const [kind, task, perRow, normalize] of cases) {
    it(`${kind}/${task}${perRow ? ` with ${perRow} negatives` : ''}${normalize ? ', normalised' : ''}`, async () => {
      const p = randomParams(kind, 6, 21, normalize); // k = 6: the unrolled-by-4 loops and their remainder
      const withNeg = task === 'ranking' || perRow > 0;
      const d = withNeg ? uiData : data;
      const order = [2, 0, 3, 1];
      const negatives = withNeg ? negativesFor(order, perRow) : undefined;
      const l2 = { bias: 0.03, linear: 0.05, factors: 0.07 };
      const s: RunSettings = { task, optimizer: 'sgd', lr: 0.1, l2, batchSize: 4, ...(negatives ? { negatives } : {}) };
      const spec = batchOf(d, order, task, negatives);
      const g = fdGradient(p, spec, l2);
      const want = denseOf(p);
      const used = usesOf(p, spec);
      denseStep('sgd', want, { a: denseOf(p), b: denseOf(p), t: 0 }, g, { lin: used.lin.keys(), fac: used.fac.keys() }, p.k, { ...optimizerConfig(s), lr: 0.1, eps: 0 });
      const before = Float32Array.from(p.factors);
      const out = await runOrder(p, newState(p, s), d, order, s);
      expect(out[3]).toBe(1);
      expect(p.bias[0]).toBeCloseTo(want.bias[0] as number, 4);
      p.linear.forEach((x, i) => expect(x).toBeCloseTo(want.linear[i] as number, 4));
      p.factors.forEach((x, i) => expect(x).toBeCloseTo(want.factors[i] as number, 4));
      // lazy: a factor unit no example used keeps its exact value
      const unit = p.k;
      for (let u = 0; u < p.factors.length / unit; u++) {
        if (used.fac.has(u)) continue;
        for (let f = 0; f < unit; f++) expect(p.factors[u * unit + f]).toBe(before[u * unit + f]);
      }
    });
  }
});

describe('optimizers follow their formulas on the units a batch used, and leave the rest alone', () => {
  const cases: [NativeOptimizer, NativeKind][] = [
    ['adagrad', 'fm'], ['adam', 'fm'], ['ftrl', 'fm'], ['adagrad', 'ffm'], ['adam', 'ffm'], ['ftrl', 'ffm'],
  ];
  for (const [opt, kind] of cases) {
    it(`${opt}/${kind}: two batches against a dense Float64 reference`, async () => {
      const p = randomParams(kind, 6, 7);
      const l2 = { bias: 0.01, linear: 0.05, factors: 0.02 };
      const config = opt === 'ftrl' ? { ftrlL1: 0.01, ftrlL2: 0.005, ftrlBeta: 0.5 } : {};
      const s: RunSettings = { task: 'regression', optimizer: opt, lr: 0.1, l2, batchSize: 2, config };
      const hp = { ...optimizerConfig(s), lr: 0.1, eps: optimizerConfig(s).epsilon };
      const state = newState(p, s);
      const ref = denseOf(p);
      const zero = () => ({ bias: new Float64Array(1), linear: new Float64Array(p.numFeatures), factors: new Float64Array(p.factors.length) });
      const st: DenseOptState = { a: zero(), b: zero(), t: 0 };
      if (opt === 'adagrad') for (const key of ['bias', 'linear', 'factors'] as const) st.a[key].fill(hp.initialAccumulatorValue);
      if (opt === 'ftrl') {
        // z₀ = −w₀(β/α + λ₂) − sgn(w₀)λ₁: the closed form starts at the initial weights
        const z0 = (w: number) => -w * (hp.ftrlBeta / hp.lr + hp.ftrlL2) - Math.sign(w) * hp.ftrlL1;
        for (const key of ['bias', 'linear', 'factors'] as const) ref[key].forEach((w, i) => (st.a[key][i] = z0(w)));
      }
      for (const batch of [[0, 1], [2, 3]]) {
        const spec = batchOf(data, batch, 'regression');
        const used = usesOf(p, spec);
        const g = fdGradient(p, spec, l2);
        const lazy = { fac: Float32Array.from(p.factors), acc: Float32Array.from(state.aFactors) };
        denseStep(opt, ref, st, g, { lin: used.lin.keys(), fac: used.fac.keys() }, p.k, hp, kind === 'ffm');
        await runOrder(p, state, data, batch, s);
        expect(p.bias[0]).toBeCloseTo(ref.bias[0] as number, 4);
        p.linear.forEach((x, i) => expect(x).toBeCloseTo(ref.linear[i] as number, 4));
        p.factors.forEach((x, i) => expect(x).toBeCloseTo(ref.factors[i] as number, 4));
        for (let u = 0; u < p.factors.length / p.k; u++) {
          if (used.fac.has(u)) continue;
          for (let f = 0; f < p.k; f++) expect(p.factors[u * p.k + f]).toBe(lazy.fac[u * p.k + f]);
          const rowWise = opt === 'adagrad' && kind === 'ffm';
          for (let f = 0; f < (rowWise ? 1 : p.k); f++) {
            const at = rowWise ? u : u * p.k + f;
            expect(state.aFactors[at]).toBe(lazy.acc[at]);
          }
        }
      }
      expect(state.step[0]).toBe(2);
    });
  }
});

describe('per-example SGD paths (batch 1, in place) equal one reference step per example', () => {
  for (const entry of [
    ['fm', 'regression', false, 'sgd'], ['lr', 'binary', false, 'sgd'], ['ffm', 'binary', false, 'sgd'], ['ffm', 'regression', true, 'sgd'],
    ['fm', 'ranking', false, 'sgd'], ['ffm', 'ranking', true, 'sgd'], ['ffm', 'binary', true, 'adagrad'],
    // k = 4: FFM AdaGrad's own unrolled loop
    ['ffm', 'binary', true, 'adagrad', 4], ['ffm', 'regression', false, 'adagrad', 4],
    // rows of a user and an item only: BPR's two-pass step (bprPairStep)
    ['fm', 'ranking', false, 'sgd', 6, 'pairs'], ['fm', 'ranking', false, 'sgd', 8, 'pairs'],
  ] as const) {
    const [kind, task, normalize, opt] = entry;
    const k = (entry as readonly unknown[])[4] as number | undefined ?? 6;
    const pairs = (entry as readonly unknown[])[5] === 'pairs';
    it(`${kind}/${task}/${opt}${normalize ? ', normalised' : ''}, k=${k}${pairs ? ', user-item rows' : ''}`, async () => {
      const p = randomParams(kind, k, 3, normalize);
      const l2 = { bias: 0.01, linear: 0.02, factors: 0.03 };
      const ranking = task === 'ranking';
      // ffm's in-place path updates a block used by several pairs of one row pair by pair (as libffm),
      // so it equals the reference step on rows with one feature per field
      const d = pairs ? uiPairs : ranking || kind === 'ffm' ? uiData : data;
      const order = [2, 0, 3, 1];
      const negatives = ranking ? negativesFor(order, 1) : undefined;
      const s: RunSettings = { task, optimizer: opt, lr: 0.05, l2, batchSize: 1, ...(negatives ? { negatives } : {}) };
      const ref = { ...p, bias: p.bias.slice(), linear: p.linear.slice(), factors: p.factors.slice() };
      const hp = { ...optimizerConfig(s), lr: 0.05, eps: optimizerConfig(s).epsilon };
      const zero = () => ({ bias: new Float64Array(1), linear: new Float64Array(p.numFeatures), factors: new Float64Array(p.factors.length) });
      const st: DenseOptState = { a: zero(), b: zero(), t: 0 };
      for (const key of ['bias', 'linear', 'factors'] as const) st.a[key].fill(hp.initialAccumulatorValue);
      order.forEach((r, t) => {
        const neg = negatives ? { perRow: 1, itemSlot, items: negatives.items.subarray(t, t + 1) } : undefined;
        const spec = batchOf(d, [r], task, neg);
        const g = fdGradient(ref, spec, l2);
        const used = usesOf(ref, spec);
        const w = denseOf(ref);
        denseStep(opt, w, st, g, { lin: used.lin.keys(), fac: used.fac.keys() }, ref.k, hp, kind === 'ffm');
        ref.bias.set(w.bias);
        ref.linear.set(w.linear);
        ref.factors.set(w.factors);
      });
      await runOrder(p, newState(p, s), d, order, s);
      expect(p.bias[0]).toBeCloseTo(ref.bias[0] as number, 4);
      p.linear.forEach((x, i) => expect(x).toBeCloseTo(ref.linear[i] as number, 4));
      p.factors.forEach((x, i) => expect(x).toBeCloseTo(ref.factors[i] as number, 4));
    });
  }
});

describe('fieldStartsOf', () => {
  it('gives the first id of every field of a fieldOfFeatureTable, then n', () => {
    const fieldDims = [3, 1, 5, 2, 1];
    const table = fieldOfFeatureTable(fieldDims);
    const starts = fieldStartsOf(table, fieldDims.length);
    expect(Array.from(starts)).toEqual([0, 3, 4, 9, 11, 12]);
    // every id lies in its field's range
    for (let i = 0; i < table.length; i++) {
      const f = table[i] as number;
      expect(i >= (starts[f] as number) && i < (starts[f + 1] as number), `id ${i}`).toBe(true);
    }
  });
});
