import { describe, expect, it } from 'vitest';
import { OPTIMIZER_DEFAULTS } from '../../defaults.js';
import { allocFfmFactors, allocFfmMoments, ffmHeapOf, ffmWasmSource } from './ffm-wasm.js';
import { hogwildRunner } from './hogwild.js';
import { kernelTrainRange } from './kernel.js';
import { makeKernelCtx, type KernelSettings } from './kernel-ctx.js';
import { createNativeParams } from './params.js';
import { nativePredict } from './predict.js';
import { localRunner } from './runner.js';
import { createNativeState } from './state.js';
import { plantedDataset } from './test-utils/brute-force.js';
import { FFM_STEP_DIMS, ffmStepData } from './test-utils/ffm-step-data.js';
import type { NativeParams, NativeState } from './types.js';

const dims = FFM_STEP_DIMS;
const data = ffmStepData;
const OPT = { ...OPTIMIZER_DEFAULTS, learningRate: 0.05 };
const settings = (task: 'binary' | 'regression', batchSize: number): KernelSettings => ({
  task,
  optimizer: OPT,
  l2: { bias: 0.01, linear: 0.02, factors: 0.03 },
  batchSize,
  negatives: 0,
});

/** Ordinary-array copies of params and Adam state: the TypeScript kernel's (kernelAccumulate + kernelApply). */
function copies(p: NativeParams, s: NativeState): { p: NativeParams; s: NativeState } {
  return {
    p: { ...p, bias: p.bias.slice(), linear: p.linear.slice(), factors: Float32Array.from(p.factors) },
    s: {
      ...s, aBias: s.aBias.slice(), bBias: s.bBias.slice(), aLinear: s.aLinear.slice(), bLinear: s.bLinear.slice(), aFactors: Float32Array.from(s.aFactors), bFactors: Float32Array.from(s.bFactors),
    },
  };
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);
const maxAbs = (a: Float32Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** The thread-0 gradient region and flags of a table (all zero between batches). */
function gradientRegion(p: NativeParams): Uint8Array {
  const { memory, layout } = ffmHeapOf(p.factors)!;
  return new Uint8Array(memory.buffer, layout.gOff, layout.gStride);
}

describe('FFM mini-batch Adam in WebAssembly SIMD', () => {
  it('the moments live in the table memory, zeroed for every new state; pointwise runs only', () => {
    const p = createNativeParams('ffm', dims, 8, { seed: 1, initStd: 0.3 });
    const s = createNativeState(p, 'adam', OPT);
    const { layout } = ffmHeapOf(p.factors)!;
    expect([s.aFactors.buffer, s.aFactors.byteOffset, s.aFactors.length]).toEqual([p.factors.buffer, layout.mOff, 22 * 4 * 8]);
    expect([s.bFactors.buffer, s.bFactors.byteOffset, s.bFactors.length]).toEqual([p.factors.buffer, layout.sOff, 22 * 4 * 8]);
    expect(ffmWasmSource(p, { state: s, settings: settings('binary', 4) })?.batched).toBe(true);
    expect(ffmWasmSource(p, { state: s, settings: { ...settings('binary', 4), negatives: 1 } })).toBeNull();
    expect(ffmWasmSource(p, { state: s, settings: { ...settings('binary', 4), task: 'ranking' } })).toBeNull();
    expect(makeKernelCtx(p, s, data, settings('binary', 4)).ffm?.batched).toBe(true);
    s.aFactors.fill(1);
    s.bFactors.fill(2);
    const again = createNativeState(p, 'adam', OPT);
    expect(maxAbs(again.aFactors) + maxAbs(again.bFactors)).toBe(0);
    // moments on ordinary arrays: the TypeScript step
    expect(makeKernelCtx(p, { ...s, bFactors: s.bFactors.slice() }, data, settings('binary', 4)).ffm).toBeNull();
  });

  it('big tables get as many gradient regions as fit in 4 GiB, then none (Adam keeps the TypeScript kernel)', () => {
    const GiB4 = 65535 * 65536;
    // 1.12M features × 39 fields × k = 4: a 699 MB table; its moments and two regions fit, a third does not
    const mid = allocFfmFactors(1_120_000, 39, 4, true)!;
    const { layout } = ffmHeapOf(mid)!;
    expect(layout.gradSlots).toBe(2);
    expect(layout.gOff + 2 * layout.gStride).toBeLessThanOrEqual(GiB4);
    expect(layout.gOff + 3 * layout.gStride).toBeGreaterThan(GiB4);
    expect(ffmHeapOf(allocFfmFactors(1_120_000, 39, 4, false)!)!.layout.gradSlots).toBe(1);
    // a 1.3 GB table fits alone: no moments, no regions
    const big = allocFfmFactors(2_100_000, 39, 4, true)!;
    expect(ffmHeapOf(big)!.layout).toMatchObject({ gradSlots: 0, mOff: 0, sOff: 0, gOff: 0 });
    expect(allocFfmMoments(big)).toBeUndefined();
  });

  for (const [task, normalize, k, batch] of [
    ['binary', true, 4, 3],
    ['binary', false, 8, 7],
    ['regression', true, 12, 2],
    ['regression', false, 16, 5],
    ['binary', true, 16, 1],
  ] as const) {
    it(`${task}, ${normalize ? 'normalised' : 'not normalised'}, k = ${k}, batch ${batch}: follows the TypeScript kernel's trajectory`, () => {
      const p = createNativeParams('ffm', dims, k, { seed: 3, initStd: 0.3, normalize });
      p.bias[0] = 0.2;
      p.linear.forEach((_, i) => (p.linear[i] = Math.sin(i)));
      const s = createNativeState(p, 'adam', OPT);
      const ref = copies(p, s);
      const st = settings(task, batch);
      const cw = makeKernelCtx(p, s, data, st);
      const cj = makeKernelCtx(ref.p, ref.s, data, st);
      expect(cw.ffm?.batched).toBe(true);
      expect(cj.ffm).toBeNull();
      // every row (one with a feature twice, one of a single entry, fields out of order) in a scrambled order
      const order = Int32Array.from({ length: 42 }, (_, t) => (t * 3) % data.numRows);
      const outW = new Float64Array(4);
      const outJ = new Float64Array(4);
      kernelTrainRange(cw, order, 0, order.length, batch, 0, outW);
      kernelTrainRange(cj, order, 0, order.length, batch, 0, outJ);
      // Σ loss of unnormalised regression rows passes 100: float32 rounding, relative
      expect(Math.abs((outW[0] as number) - (outJ[0] as number))).toBeLessThan(1e-5 * Math.max(1, outJ[0] as number));
      expect(Array.from(outW.subarray(1))).toEqual(Array.from(outJ.subarray(1)));
      expect(maxDiff(p.factors, ref.p.factors)).toBeLessThan(3e-5);
      expect(maxDiff(s.aFactors, ref.s.aFactors)).toBeLessThan(3e-5 * Math.max(1, maxAbs(ref.s.aFactors)));
      expect(maxDiff(s.bFactors, ref.s.bFactors)).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref.s.bFactors)));
      expect(maxDiff(p.linear, ref.p.linear)).toBeLessThan(3e-5);
      expect(Math.abs((p.bias[0] as number) - (ref.p.bias[0] as number))).toBeLessThan(3e-5);
      // it trained, the blocks no pair used kept their weights and zero moments, and the gradient region is clear
      const start = createNativeParams('ffm', dims, k, { seed: 3, initStd: 0.3 }).factors;
      expect(maxDiff(p.factors, start)).toBeGreaterThan(1e-3);
      const unused = 21 * 4 + 3; // feature 21 (field 3) is only in row 6, with no other field-3 entry: block (21, 3) is never used
      for (let f = 0; f < k; f++) {
        expect(p.factors[unused * k + f]).toBe(start[unused * k + f]);
        expect(s.aFactors[unused * k + f]! + s.bFactors[unused * k + f]!).toBe(0);
      }
      expect(gradientRegion(p).every((b) => b === 0)).toBe(true);
    });
  }

  it('rows longer than a half-slot, and more features than the slot holds ids: the same trajectory', () => {
    const fd = [60, 50, 40, 30];
    const d = plantedDataset(fd, 300, 4, 'binary', true);
    const p = createNativeParams('ffm', fd, 4, { seed: 4, initStd: 0.3 });
    const s = createNativeState(p, 'adam', OPT);
    const ref = copies(p, s);
    const st = settings('binary', 64);
    const cw = makeKernelCtx(p, s, d, st);
    const cj = makeKernelCtx(ref.p, ref.s, d, st);
    // halves of 88 bytes: 3 entries staged (every 4-field row overflows into the TypeScript gradient), 44 ids an adam call
    cw.ffm!.cap = 3;
    cw.ffm!.half = 88;
    const order = Int32Array.from({ length: d.numRows }, (_, t) => (t * 7) % d.numRows);
    const outW = new Float64Array(4);
    const outJ = new Float64Array(4);
    kernelTrainRange(cw, order, 0, order.length, 64, 0, outW);
    kernelTrainRange(cj, order, 0, order.length, 64, 0, outJ);
    expect(outW[0]).toBeCloseTo(outJ[0] as number, 3);
    expect(maxDiff(p.factors, ref.p.factors)).toBeLessThan(3e-5);
    expect(maxDiff(s.bFactors, ref.s.bFactors)).toBeLessThan(1e-5 * Math.max(1, maxAbs(ref.s.bFactors)));
    expect(gradientRegion(p).every((b) => b === 0)).toBe(true);
  });

  it('Hogwild: 2 threads on the shared memory, each with its gradient region, reach the loss of 1 thread', async () => {
    const fd = [60, 50, 40, 30];
    const all = plantedDataset(fd, 12000, 5, 'binary', true);
    const train = all.slice(0, 10000);
    const test = all.slice(10000);
    const st = { ...settings('binary', 32), optimizer: { ...OPTIMIZER_DEFAULTS, learningRate: 0.01 }, l2: { bias: 0, linear: 1e-5, factors: 1e-5 } };
    const logLoss = (sc: Float32Array, y: Float32Array) => sc.reduce((a, x, i) => a + Math.log1p(Math.exp(-Math.abs(x))) + Math.max(x, 0) - x * (y[i] as number), 0) / sc.length;
    const run = async (threads: number) => {
      const p = createNativeParams('ffm', fd, 8, { seed: 1, initStd: 0.1, shared: true });
      const state = createNativeState(p, 'adam', st.optimizer, true);
      expect(ffmWasmSource(p, { state, settings: st })?.batched).toBe(true);
      const runner = threads > 1 ? await hogwildRunner(p, state, st, threads) : localRunner(p, state, st);
      const order = Int32Array.from({ length: train.numRows }, (_, i) => i);
      for (let e = 0; e < 3; e++) await runner.run(train, order, 0, order.length, undefined, e * Math.ceil(train.numRows / 32));
      await runner.close();
      const { memory, layout } = ffmHeapOf(p.factors)!;
      expect(new Uint8Array(memory.buffer, layout.gOff, 2 * layout.gStride).every((b) => b === 0)).toBe(true);
      return logLoss(nativePredict(p, test), test.labels);
    };
    const one = await run(1);
    const two = await run(2);
    expect(Math.abs(two - one)).toBeLessThan(0.02);
    expect(two).toBeLessThan(0.66);
  });
});
