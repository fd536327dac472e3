// FFM without its linear term (libffm's model: bias and field-aware pairs), `linear: false`.
import { describe, expect, it } from 'vitest';
import { OPTIMIZER_DEFAULTS } from '../../defaults.js';
import { kernelAdagradExamplesFfm, kernelAdagradExamplesFfmWasm } from './kernel.js';
import { makeKernelCtx, type KernelSettings } from './kernel-ctx.js';
import { createNativeParams } from './params.js';
import { createNativeState } from './state.js';
import { Rng } from '@fm/data';
import { datasetOf, plantedDataset } from './test-utils/brute-force.js';
import { FFM_STEP_DIMS, ffmStepData } from './test-utils/ffm-step-data.js';

const dims = FFM_STEP_DIMS;
const data = ffmStepData;
const OPT = { ...OPTIMIZER_DEFAULTS, learningRate: 0.1 };
const settings = (task: 'binary' | 'regression', linear: boolean): KernelSettings => ({
  task,
  optimizer: OPT,
  l2: { bias: 0.01, linear: 0.02, factors: 0.03 },
  batchSize: 1,
  negatives: 0,
  linear,
});
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('FFM with linear: false', () => {
  for (const [task, normalize, k] of [['binary', true, 4], ['regression', false, 8]] as const) {
    it(`${task}, k = ${k}: the WebAssembly and TypeScript steps follow the linear-term kernel with w reset to 0 after every example`, () => {
      const order = Int32Array.from({ length: 63 }, (_, t) => (t * 3) % data.numRows);
      const lg = new Float64Array(2);
      const fresh = () => {
        const p = createNativeParams('ffm', dims, k, { seed: 3, initStd: 0.3, normalize });
        p.bias[0] = 0.2;
        return p;
      };
      // WebAssembly step (its table lives in WebAssembly memory), no linear term
      const pw = fresh();
      const sw = createNativeState(pw, 'adagrad', OPT);
      const cw = makeKernelCtx(pw, sw, data, settings(task, false));
      expect(cw.ffm).not.toBeNull();
      kernelAdagradExamplesFfmWasm(cw, order, 0, order.length, lg);
      // TypeScript step (ordinary arrays), no linear term
      const pj = { ...fresh(), factors: Float32Array.from(fresh().factors) };
      const sj = createNativeState(pj, 'adagrad', OPT);
      const cj = makeKernelCtx(pj, sj, data, settings(task, false));
      expect(cj.ffm).toBeNull();
      kernelAdagradExamplesFfm(cj, order, 0, order.length, lg);
      // reference: the kernel with its linear term, one example at a time, w and its accumulator put back to 0 after each
      const pr = { ...fresh(), factors: Float32Array.from(fresh().factors) };
      const sr = createNativeState(pr, 'adagrad', OPT);
      const cr = makeKernelCtx(pr, sr, data, settings(task, true));
      const acc0 = sr.aLinear.slice();
      for (let t = 0; t < order.length; t++) {
        kernelAdagradExamplesFfm(cr, order, t, t + 1, lg);
        expect(pr.linear.some((w) => w !== 0)).toBe(true); // it did move them
        pr.linear.fill(0);
        sr.aLinear.set(acc0);
      }
      for (const [p, tol] of [[pw, 2e-5], [pj, 0]] as const) {
        expect(Array.from(p.linear).every((w) => w === 0)).toBe(true);
        expect(maxDiff(p.factors, pr.factors)).toBeLessThanOrEqual(tol);
        expect(Math.abs((p.bias[0] as number) - (pr.bias[0] as number))).toBeLessThanOrEqual(tol);
      }
      expect(maxDiff(pw.factors, fresh().factors)).toBeGreaterThan(1e-3);
    });
  }
});

/** Binary rows of one id per field whose labels come from field-aware pairs only (no linear part): ⟨u_{i,g}, u_{j,f}⟩. */
function pairsOnly(fd: number[], rows: number, seed: number) {
  const rng = new Rng(seed);
  const F = fd.length;
  const offs = fd.map((_, f) => fd.slice(0, f).reduce((a, b) => a + b, 0));
  const n = fd.reduce((a, b) => a + b, 0);
  const u = Array.from({ length: n * F * 2 }, () => rng.normal());
  const data: [number, number][][] = [];
  const labels: number[] = [];
  for (let r = 0; r < rows; r++) {
    const ids = fd.map((d, f) => (offs[f] as number) + rng.int(d));
    let y = 0;
    for (let a = 0; a < F; a++) {
      for (let b = a + 1; b < F; b++) {
        const i = ids[a] as number;
        const j = ids[b] as number;
        for (let t = 0; t < 2; t++) y += (u[(i * F + b) * 2 + t] as number) * (u[(j * F + a) * 2 + t] as number);
      }
    }
    data.push(ids.map((i) => [i, 1]));
    labels.push(rng.next() < 1 / (1 + Math.exp(-y)) ? 1 : 0);
  }
  return datasetOf(fd, data, labels);
}

describe('fit(…, { linear: false })', () => {
  it('trains FFM on the native engine with the linear weights held at 0, and says so', async () => {
    const { fit } = await import('../../fit.js');
    const { NativeModel } = await import('./native-model.js');
    const fd = [30, 20, 10];
    const all = pairsOnly(fd, 6000, 9);
    // libffm's learning rate (the labels come from pairs alone: a model without w loses nothing)
    const m = NativeModel.create('ffm', { fieldDims: fd, embeddingDim: 4, seed: 1 });
    const r = await fit(m, all, { task: 'binary', epochs: 4, threads: 1, learningRate: 0.2, linear: false });
    expect(r.engineReason).toContain('no linear term');
    expect(r.engineReason).toContain('WebAssembly SIMD');
    expect(Array.from(m.params.linear).every((w) => w === 0)).toBe(true);
    const withW = await fit(NativeModel.create('ffm', { fieldDims: fd, embeddingDim: 4, seed: 1 }), all, { task: 'binary', epochs: 4, threads: 1, learningRate: 0.2 });
    const ll = r.history.at(-1)?.valMetrics?.['logloss'] as number;
    expect(ll).toBeLessThan(0.56); // from ln 2 = 0.693
    expect(Math.abs(ll - (withW.history.at(-1)?.valMetrics?.['logloss'] as number))).toBeLessThan(0.01);
  });

  it('refuses models and engines that cannot honour it, and a model whose linear weights are not 0', async () => {
    const { fit } = await import('../../fit.js');
    const { NativeModel } = await import('./native-model.js');
    const fd = [30, 20, 10];
    const all = plantedDataset(fd, 600, 9, 'binary', true);
    await expect(fit(NativeModel.create('fm', { fieldDims: fd, embeddingDim: 4, seed: 1 }), all, { task: 'binary', epochs: 1, linear: false })).rejects.toThrow(/applies to FFM/);
    await expect(fit(NativeModel.create('ffm', { fieldDims: fd, embeddingDim: 4, seed: 1 }), all, { task: 'binary', epochs: 1, linear: false, engine: 'tfjs' })).rejects.toThrow(/native engine/);
    const warm = NativeModel.create('ffm', { fieldDims: fd, embeddingDim: 4, seed: 1 });
    warm.params.linear[3] = 0.5;
    await expect(fit(warm, all, { task: 'binary', epochs: 1, linear: false })).rejects.toThrow(/non-zero linear weights/);
  });

  it('MCMC without the linear part: its posterior-mean linear weights are 0', async () => {
    const { fit } = await import('../../fit.js');
    const { NativeModel } = await import('./native-model.js');
    const fd = [30, 20, 10];
    const all = plantedDataset(fd, 600, 9, 'regression', true);
    const m = NativeModel.create('fm', { fieldDims: fd, embeddingDim: 2, seed: 1 });
    await fit(m, all, { task: 'regression', solver: 'mcmc', epochs: 12, linear: false, validation: false });
    expect(Array.from(m.params.linear).every((w) => w === 0)).toBe(true);
    expect(Array.from(m.params.factors).some((v) => v !== 0)).toBe(true);
  });
});
