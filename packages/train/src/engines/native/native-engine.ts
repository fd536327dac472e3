import { divergedError } from '../../diverged-error.js';
import type { SparseDataset } from '@fm/data';
import { copyInto, type PassHooks, type PassProgress, type TrainingEngine } from '../../engine.js';
import { writeBackNative, type NativeBinding } from './binding.js';
import { checkDatasetFits, type KernelSettings } from './kernel-ctx.js';
import { nativePredict } from './predict.js';
import type { NativeRunner } from './runner.js';
import { createNativeState, stateArrays } from './state.js';
import { nativeThreadPolicy } from './threads.js';
import { ffmWasmSource } from './ffm-wasm.js';
import type { NativeOptimizer, NativeParams, NativeState, PassNegatives } from './types.js';

/**
 * Work of one slice of a native pass between two progress calls, in multiply-adds (about 10-40 ms).
 * Slices are sized from the work per row, not from timings, so results (loss sums included) do not
 * depend on the machine's speed.
 */
const SLICE_WORK = 4e6;

/** Settings of a native run (all resolved: see `defaults.ts`). */
export interface NativeEngineSettings extends KernelSettings {
  optimizerName: NativeOptimizer;
}

/**
 * The native engine: pure-TypeScript kernels (`kernel.ts`) over flat typed arrays, for LR, FM, FFM
 * and MF on every task (regression, binary, binary with sampled negatives, BPR ranking). A pass runs
 * in slices of a few milliseconds of work so progress moves and a stop request is honoured between
 * batches; each
 * slice runs on the calling thread or, with Hogwild (`@fm/train/node`), on several.
 */
export class NativeEngine implements TrainingEngine {
  readonly name = 'native' as const;
  readonly threads: number;
  /** True when FFM's per-example AdaGrad step runs in WebAssembly SIMD (ffm-wasm.ts) rather than TypeScript. */
  readonly simd: boolean;
  readonly params: NativeParams;
  private readonly state: NativeState;
  private readonly checked = new WeakSet<SparseDataset>();

  private constructor(
    private readonly binding: NativeBinding | { params: NativeParams },
    state: NativeState,
    private readonly settings: NativeEngineSettings,
    private readonly runner: NativeRunner,
  ) {
    this.params = binding.params;
    this.state = state;
    this.threads = runner.threads;
    this.simd = ffmWasmSource(this.params, { state, settings }) !== null;
  }

  /**
   * Positives per slice for `data`: whole batches, about {@link SLICE_WORK} multiply-adds, and at most
   * 1/20 of the rows so progress moves (a loss curve has points) even on small data.
   */
  private sliceOf(data: SparseDataset, rows: number): number {
    const p = this.params;
    const perRow = Math.max(1, data.nnz / Math.max(1, data.numRows));
    const work = perRow * Math.max(1, p.k) * (p.kind === 'ffm' ? perRow : 1) * (1 + this.settings.negatives) * this.threads;
    const B = this.settings.batchSize;
    const byWork = Math.round(Math.max(1, SLICE_WORK / work) / B) * B;
    const byRows = Math.ceil(rows / 20 / B) * B;
    return Math.max(B, Math.min(byWork, byRows));
  }

  /**
   * Creates the engine for parameters that live on SharedArrayBuffers when `threads > 1`.
   * @param binding a tfjs model's bound weights (written back by {@link writeBack}) or bare native params.
   */
  static async create(binding: NativeBinding | { params: NativeParams }, settings: NativeEngineSettings, threads: number): Promise<NativeEngine> {
    const state = createNativeState(binding.params, settings.optimizerName, settings.optimizer, threads > 1);
    const runner = await nativeThreadPolicy().runner(binding.params, state, settings, threads);
    return new NativeEngine(binding, state, settings, runner);
  }

  async trainPass(data: SparseDataset, order: Int32Array, negatives: PassNegatives | undefined, hooks: PassHooks): Promise<PassProgress & { stopped: boolean }> {
    if (!this.checked.has(data)) {
      checkDatasetFits(this.params, data, 'training data');
      this.checked.add(data);
    }
    const p: PassProgress = { batches: 0, positives: 0, lossSum: 0, lossTerms: 0 };
    const slice = this.sliceOf(data, order.length);
    for (let pos = 0; pos < order.length; ) {
      const end = Math.min(order.length, pos + slice);
      const out = await this.runner.run(data, order, pos, end, negatives, this.state.step[0] as number);
      this.state.step[0] = (this.state.step[0] as number) + (out[3] as number);
      p.lossSum += out[0] as number;
      p.lossTerms += out[1] as number;
      p.positives += out[2] as number;
      p.batches += out[3] as number;
      if (!Number.isFinite(out[0])) {
        throw divergedError(out[0] as number, p.positives, this.settings.optimizer.learningRate, data);
      }
      pos = end;
      if (await hooks.progress(p)) return { ...p, stopped: true };
    }
    return { ...p, stopped: false };
  }

  score(data: SparseDataset): Promise<Float32Array> {
    return Promise.resolve(nativePredict(this.params, data));
  }

  snapshot(into?: readonly Float32Array[]): Promise<Float32Array[]> {
    const p = this.params;
    return Promise.resolve(copyInto([p.bias, p.linear, p.factors], into));
  }

  restore(w: readonly Float32Array[]): void {
    const p = this.params;
    p.bias.set(w[0] as Float32Array);
    p.linear.set(w[1] as Float32Array);
    p.factors.set(w[2] as Float32Array);
  }

  optimizerState(): { step: number; arrays: Float32Array[] } {
    return { step: this.state.step[0] as number, arrays: stateArrays(this.state) };
  }

  loadOptimizerState(step: number, arrays: readonly (Float32Array | Uint8Array)[], where: string): void {
    const mine = stateArrays(this.state);
    if (arrays.length !== mine.length || arrays.some((a, i) => a.length !== (mine[i] as Float32Array).length || !(a instanceof Float32Array))) {
      throw new Error(
        `${where}: the optimizer state has arrays of [${arrays.map((a) => a.length).join(', ')}] values, ` +
          `this run's ${this.state.optimizer} state needs [${mine.map((a) => a.length).join(', ')}]`,
      );
    }
    mine.forEach((a, i) => a.set(arrays[i] as Float32Array));
    this.state.step[0] = step;
  }

  writeBack(): void {
    if ('bias' in this.binding) writeBackNative(this.binding);
  }

  close(): Promise<void> {
    return this.runner.close();
  }
}
