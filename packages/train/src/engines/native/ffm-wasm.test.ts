import { describe, expect, it } from 'vitest';
import { OPTIMIZER_DEFAULTS } from '../../defaults.js';
import { ffmHeapOf, ffmWasmSource } from './ffm-wasm.js';
import { hogwildRunner } from './hogwild.js';
import { kernelAdagradExamplesFfm, kernelAdagradExamplesFfmWasm, kernelStageFfm, kernelTrainRange } from './kernel.js';
import { makeKernelCtx, type KernelSettings } from './kernel-ctx.js';
import { createNativeParams } from './params.js';
import { nativePredict } from './predict.js';
import { localRunner } from './runner.js';
import { createNativeState } from './state.js';
import { bruteScore, plantedDataset } from './test-utils/brute-force.js';
import { FFM_STEP_DIMS, ffmStepData } from './test-utils/ffm-step-data.js';
import type { NativeParams, NativeState } from './types.js';

const dims = FFM_STEP_DIMS;
const data = ffmStepData;
const settings = (task: 'binary' | 'regression'): KernelSettings => ({
  task,
  optimizer: { ...OPTIMIZER_DEFAULTS, learningRate: 0.1 },
  l2: { bias: 0.01, linear: 0.02, factors: 0.03 },
  batchSize: 1,
  negatives: 0,
});

/** An ordinary-array copy of params and state (the TypeScript kernel's). */
function copies(p: NativeParams, s: NativeState): { p: NativeParams; s: NativeState } {
  return {
    p: { ...p, bias: p.bias.slice(), linear: p.linear.slice(), factors: Float32Array.from(p.factors) },
    s: { ...s, aBias: s.aBias.slice(), aLinear: s.aLinear.slice(), aFactors: Float32Array.from(s.aFactors) },
  };
}

const OPT = { ...OPTIMIZER_DEFAULTS, learningRate: 0.1 };
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

describe('FFM WebAssembly SIMD step', () => {
  for (const k of [4, 8, 16]) {
    it(`k = ${k}: the table and its accumulators live in WebAssembly memory, and the kernel context uses them`, () => {
      const p = createNativeParams('ffm', dims, k, { seed: 1, initStd: 0.3 });
      const s = createNativeState(p, 'adagrad', OPT);
      const heap = ffmHeapOf(p.factors);
      expect(heap?.layout).toMatchObject({ k, F: 4, n: 22 });
      expect(s.aFactors.buffer).toBe(p.factors.buffer);
      expect(s.aFactors.length).toBe(22 * 4);
      expect(Array.from(s.aFactors).every((a) => a === Math.fround(OPTIMIZER_DEFAULTS.initialAccumulatorValue))).toBe(true);
      expect(makeKernelCtx(p, s, data, settings('binary')).ffm).not.toBeNull();
    });
  }

  it('the linear weights and their accumulators live in the memory too, and touch loads them with the rows', () => {
    const p = createNativeParams('ffm', dims, 8, { seed: 7, initStd: 0.3 });
    p.linear.forEach((_, i) => (p.linear[i] = Math.sin(i) + 2));
    const s = createNativeState(p, 'adagrad', OPT);
    s.aLinear.forEach((_, i) => (s.aLinear[i] = 1 + i / 8));
    const { layout } = ffmHeapOf(p.factors)!;
    expect([p.linear.buffer, p.linear.byteOffset, p.linear.length]).toEqual([p.factors.buffer, layout.lOff, 22]);
    expect([s.aLinear.buffer, s.aLinear.byteOffset, s.aLinear.length]).toEqual([p.factors.buffer, layout.alOff, 22]);
    expect(ffmWasmSource(p, { state: s, settings: settings('binary') })?.linear).toBe(2);
    expect(ffmWasmSource(p)?.linear).toBe(1);
    expect(ffmWasmSource({ ...p, linear: p.linear.slice() })?.linear).toBe(0);
    const c = makeKernelCtx(p, s, data, settings('binary'));
    const w = c.ffm!;
    expect(w.linear).toBe(2);
    const F32 = new Float32Array(p.factors.buffer);
    for (let r = 0; r < data.numRows; r++) {
      const ids = data.rowIds(r);
      const m = kernelStageFfm(c, w, r, w.ent);
      // touch's sum, in its order and float32: every 64th byte of the factor row and accumulator row, w_i, G_i
      let want = 0;
      const add = (byte: number) => (want = Math.fround(want + (F32[byte / 4] as number)));
      ids.forEach((i, j) => {
        expect(w.I32[w.ent / 4 + 6 * j + 5]).toBe(layout.lOff + 4 * i);
        for (let o = 0; o < w.vRow; o += 64) add(layout.vOff + i * w.vRow + o);
        for (let o = 0; o < w.aRow; o += 64) add(layout.aOff + i * w.aRow + o);
        add(layout.lOff + 4 * i);
        add(layout.alOff + 4 * i);
      });
      expect(w.F32[w.ent / 4 + 6 * m]).toBe(want);
    }
  });

  it('linear weights in the memory train exactly as on ordinary arrays', () => {
    const make = () => {
      const p = createNativeParams('ffm', dims, 4, { seed: 8, initStd: 0.3 });
      p.linear.forEach((_, i) => (p.linear[i] = Math.cos(i)));
      return { p, s: createNativeState(p, 'adagrad', OPT) };
    };
    const a = make();
    const b = make();
    b.p = { ...b.p, linear: b.p.linear.slice() };
    b.s = { ...b.s, aLinear: b.s.aLinear.slice() };
    const ca = makeKernelCtx(a.p, a.s, data, settings('binary'));
    const cb = makeKernelCtx(b.p, b.s, data, settings('binary'));
    expect([ca.ffm?.linear, cb.ffm?.linear]).toEqual([2, 0]);
    const order = Int32Array.from({ length: 35 }, (_, t) => (t * 3) % data.numRows);
    const lg = new Float64Array(2);
    expect(kernelAdagradExamplesFfmWasm(ca, order, 0, order.length, lg)).toBe(kernelAdagradExamplesFfmWasm(cb, order, 0, order.length, lg));
    expect(Array.from(a.p.linear)).toEqual(Array.from(b.p.linear));
    expect(Array.from(a.s.aLinear)).toEqual(Array.from(b.s.aLinear));
    expect(Array.from(a.p.factors)).toEqual(Array.from(b.p.factors));
    expect(maxDiff(a.p.linear, make().p.linear)).toBeGreaterThan(1e-3); // it trained
  });

  it('the staged pair term equals the brute-force pairwise sum', () => {
    const p = createNativeParams('ffm', dims, 8, { seed: 2, initStd: 0.5, normalize: false });
    const s = createNativeState(p, 'adagrad', OPT);
    const c = makeKernelCtx(p, s, data, settings('regression'));
    const w = c.ffm!;
    for (let r = 0; r < data.numRows; r++) {
      const ids = data.rowIds(r);
      expect(kernelStageFfm(c, w, r, w.ent)).toBe(ids.length);
      // bias and linear are zero: the brute-force score is the pair term
      expect(w.pairs(w.ent, ids.length)).toBeCloseTo(bruteScore(p, ids, data.rowValues(r)), 4);
    }
  });

  for (const [task, normalize, k] of [['binary', true, 4], ['binary', false, 8], ['regression', true, 12], ['regression', false, 16]] as const) {
    it(`${task}, ${normalize ? 'normalised' : 'not normalised'}, k = ${k}: follows the TypeScript kernel's trajectory`, () => {
      const p = createNativeParams('ffm', dims, k, { seed: 3, initStd: 0.3, normalize });
      p.bias[0] = 0.2;
      p.linear.forEach((_, i) => (p.linear[i] = Math.sin(i)));
      const s = createNativeState(p, 'adagrad', OPT);
      const ref = copies(p, s);
      const cw = makeKernelCtx(p, s, data, settings(task));
      const cj = makeKernelCtx(ref.p, ref.s, data, settings(task));
      expect(cw.ffm).not.toBeNull();
      expect(cj.ffm).toBeNull();
      // every row, in a scrambled order (3 is coprime to the 7 rows)
      const order = Int32Array.from({ length: 63 }, (_, t) => (t * 3) % data.numRows);
      expect(new Set(order).size).toBe(data.numRows);
      const lg = new Float64Array(2);
      const lossW = kernelAdagradExamplesFfmWasm(cw, order, 0, order.length, lg);
      const lossJ = kernelAdagradExamplesFfm(cj, order, 0, order.length, lg);
      expect(lossW).toBeCloseTo(lossJ, 3);
      expect(maxDiff(p.factors, ref.p.factors)).toBeLessThan(2e-5);
      // accumulators grow (past 50 for unnormalised regression rows): float32 rounding, relative
      expect(maxDiff(s.aFactors, ref.s.aFactors) / Math.max(1, ...Array.from(ref.s.aFactors, Math.abs))).toBeLessThan(2e-6);
      expect(maxDiff(p.linear, ref.p.linear)).toBeLessThan(2e-5);
      expect(Math.abs((p.bias[0] as number) - (ref.p.bias[0] as number))).toBeLessThan(2e-5);
      // and it trained: the blocks the rows use moved
      expect(maxDiff(p.factors, createNativeParams('ffm', dims, k, { seed: 3, initStd: 0.3 }).factors)).toBeGreaterThan(1e-3);
    });
  }

  for (const normalize of [true, false]) {
    it(`nativePredict scores with the WebAssembly pair term: equal to the brute-force sum (${normalize ? '' : 'not '}normalised)`, () => {
      const p = createNativeParams('ffm', dims, 8, { seed: 6, initStd: 0.5, normalize });
      p.bias[0] = -0.3;
      p.linear.forEach((_, i) => (p.linear[i] = Math.cos(i)));
      expect(ffmHeapOf(p.factors)).toBeDefined();
      const got = nativePredict(p, data);
      const ref = nativePredict({ ...p, factors: Float32Array.from(p.factors) }, data); // ordinary array: TypeScript
      for (let r = 0; r < data.numRows; r++) {
        const want = bruteScore(p, data.rowIds(r), data.rowValues(r));
        expect(Math.abs((got[r] as number) - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
        expect(Math.abs((got[r] as number) - (ref[r] as number))).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
      }
    });
  }

  it('rows longer than the staging slot take the TypeScript kernel (same result)', () => {
    const p = createNativeParams('ffm', dims, 4, { seed: 4, initStd: 0.3 });
    const s = createNativeState(p, 'adagrad', OPT);
    const ref = copies(p, s);
    const cw = makeKernelCtx(p, s, data, settings('binary'));
    const cj = makeKernelCtx(ref.p, ref.s, data, settings('binary'));
    cw.ffm!.cap = 3; // rows of 4 and 7 entries overflow it
    const order = Int32Array.from({ length: 24 }, (_, t) => t % data.numRows);
    const out = new Float64Array(4);
    kernelTrainRange(cw, order, 0, order.length, 1, 0, out);
    const lossW = out[0] as number;
    kernelTrainRange(cj, order, 0, order.length, 1, 0, out);
    expect(lossW).toBeCloseTo(out[0] as number, 4);
    expect(maxDiff(p.factors, ref.p.factors)).toBeLessThan(2e-5);
  });

  it('k = 5, FTRL, or the model on ordinary arrays: the TypeScript kernel (Adam: ffm-wasm-adam.test.ts)', () => {
    const p5 = createNativeParams('ffm', dims, 5, { seed: 1, initStd: 0.3 });
    expect(ffmHeapOf(p5.factors)).toBeUndefined();
    expect(makeKernelCtx(p5, createNativeState(p5, 'adagrad', OPT), data, settings('binary')).ffm).toBeNull();
    const p4 = createNativeParams('ffm', dims, 4, { seed: 1, initStd: 0.3 });
    expect(makeKernelCtx(p4, createNativeState(p4, 'ftrl', OPT), data, settings('binary')).ffm).toBeNull();
    expect(makeKernelCtx(p4, createNativeState(p4, 'adagrad', OPT), data, { ...settings('binary'), batchSize: 8 }).ffm).toBeNull();
    const fm = createNativeParams('fm', dims, 4, { seed: 1, initStd: 0.3 });
    expect(ffmHeapOf(fm.factors)).toBeUndefined();
  });

  it('Hogwild: 2 threads on the shared WebAssembly memory reach the loss of 1 thread', async () => {
    const fd = [60, 50, 40, 30];
    const all = plantedDataset(fd, 12000, 5, 'binary', true);
    const train = all.slice(0, 10000);
    const test = all.slice(10000);
    const st = { ...settings('binary'), optimizer: { ...OPTIMIZER_DEFAULTS, learningRate: 0.05 }, l2: { bias: 0, linear: 1e-5, factors: 1e-5 } };
    const logLoss = (sc: Float32Array, y: Float32Array) => sc.reduce((a, x, i) => a + Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0) - x * (y[i] as number), 0) / sc.length;
    const run = async (threads: number) => {
      const p = createNativeParams('ffm', fd, 4, { seed: 1, initStd: 0.1, shared: true });
      expect(p.factors.buffer).toBeInstanceOf(SharedArrayBuffer);
      const state = createNativeState(p, 'adagrad', st.optimizer, true);
      const runner = threads > 1 ? await hogwildRunner(p, state, st, threads) : localRunner(p, state, st);
      const order = Int32Array.from({ length: train.numRows }, (_, i) => i);
      for (let e = 0; e < 3; e++) await runner.run(train, order, 0, order.length, undefined, 0);
      await runner.close();
      return logLoss(nativePredict(p, test), test.labels);
    };
    const one = await run(1);
    const two = await run(2);
    expect(Math.abs(two - one)).toBeLessThan(0.02);
    expect(two).toBeLessThan(0.66);
  });
});

describe('fit() on FFM', () => {
  it("says when the WebAssembly SIMD step trains, and trains a planted problem with it", async () => {
    const { fit } = await import('../../fit.js');
    const { NativeModel } = await import('./native-model.js');
    const fd = [30, 20, 10];
    const all = plantedDataset(fd, 6000, 9, 'binary', true);
    const m4 = NativeModel.create('ffm', { fieldDims: fd, embeddingDim: 4, seed: 1 });
    const r4 = await fit(m4, all, { task: 'binary', epochs: 3, threads: 1 });
    expect(r4.engineReason).toContain('WebAssembly SIMD');
    expect(r4.history.at(-1)?.valMetrics?.['logloss']).toBeLessThan(0.66);
    const m5 = NativeModel.create('ffm', { fieldDims: fd, embeddingDim: 5, seed: 1 });
    const r5 = await fit(m5, all, { task: 'binary', epochs: 1, threads: 1 });
    expect(r5.engineReason).not.toContain('WebAssembly SIMD');
  });
});
