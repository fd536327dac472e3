import { divergedError } from '../../diverged-error.js';
import * as tf from '@tensorflow/tfjs';
import type { RowTargets, SparseDataset } from '@fm/data';
import { copyInto, type PassHooks, type PassProgress, type TrainingEngine } from '../../engine.js';
import type { Task } from '../../losses.js';
import type { ModelInfo } from '../../model-info.js';
import type { RowOptimizer } from '../../optimizers.js';
import { scoreRows } from '../../predict.js';
import type { L2Option } from '../../regularization.js';
import { TrainStep, type StepBatch } from '../../train-step.js';
import type { PassNegatives } from '../native/types.js';

/** Settings of a tfjs run (all resolved: see `defaults.ts`). */
export interface TfjsEngineSettings {
  task: Task;
  batchSize: number;
  /** Negatives per positive row. */
  negatives: number;
  /** Padded row width the model takes. */
  width: number;
  l2: L2Option;
}

/**
 * The tfjs engine: every model (dense layers included) on every tfjs backend (wasm, cpu, WebGL,
 * WebGPU, tfjs-node). Each batch is one {@link TrainStep}: forward and gradients through tfjs, then
 * row-wise optimizer updates of the rows (or FFM blocks) the batch touches. Negatives are the
 * positives' rows with the item replaced, after the positives: `[B·(1 + n), W]` per step.
 */
export class TfjsEngine implements TrainingEngine {
  readonly name = 'tfjs' as const;
  readonly threads = 1;
  readonly step: TrainStep;
  private readonly buf: StepBatch;
  /** Where a pass gathers each batch's rows: straight into the step's batch (labels for pointwise tasks only; no fields). */
  private readonly targets: RowTargets;

  constructor(
    private readonly model: tf.LayersModel,
    info: ModelInfo,
    optimizer: RowOptimizer,
    private readonly settings: TfjsEngineSettings,
  ) {
    const { task, batchSize, negatives, width } = settings;
    this.step = new TrainStep(model, info, optimizer, settings.l2, task === 'ranking' ? 'bpr' : task === 'binary' ? 'logloss' : 'mse');
    const rows = batchSize * (1 + negatives);
    this.buf = { rows: 0, width, ids: new Int32Array(rows * width), values: new Float32Array(rows * width), labels: task === 'ranking' ? undefined : new Float32Array(rows) };
    this.targets = { ids: this.buf.ids, values: this.buf.values, ...(this.buf.labels && negatives === 0 ? { labels: this.buf.labels } : {}) };
  }

  async trainPass(data: SparseDataset, order: Int32Array, negatives: PassNegatives | undefined, hooks: PassHooks): Promise<PassProgress & { stopped: boolean }> {
    const { batchSize, negatives: nNeg, width } = this.settings;
    const buf = this.buf;
    const p: PassProgress = { batches: 0, positives: 0, lossSum: 0, lossTerms: 0 };
    for (let s = 0; s < order.length; s += batchSize) {
      const e = Math.min(order.length, s + batchSize);
      const size = e - s;
      data.gatherRows(order, s, e, width, this.targets);
      buf.rows = size * (1 + nNeg);
      if (negatives) {
        for (let q = 0; q < nNeg; q++) {
          const base = size * (1 + q) * width;
          buf.ids.copyWithin(base, 0, size * width);
          buf.values.copyWithin(base, 0, size * width);
          for (let i = 0; i < size; i++) {
            const r = order[s + i] as number;
            buf.ids[base + i * width + (negatives.itemSlot[r] as number)] = negatives.items[(s + i) * nNeg + q] as number;
          }
        }
      }
      if (buf.labels && nNeg > 0) {
        buf.labels.fill(1, 0, size);
        buf.labels.fill(0, size, buf.rows);
      }
      const loss = await this.step.run(buf);
      if (!Number.isFinite(loss)) {
        throw divergedError(loss, p.positives, this.step.optimizer.config.learningRate, data);
      }
      const terms = this.settings.task === 'ranking' ? size : buf.rows;
      p.lossSum += loss * terms;
      p.lossTerms += terms;
      p.positives += size;
      p.batches++;
      if (await hooks.progress(p)) return { ...p, stopped: true };
    }
    return { ...p, stopped: false };
  }

  score(data: SparseDataset): Promise<Float32Array> {
    return scoreRows(this.model, data, this.settings.width, 4096);
  }

  async snapshot(into?: readonly Float32Array[]): Promise<Float32Array[]> {
    return copyInto(await Promise.all(this.model.weights.map(async (w) => (await w.read().data()) as Float32Array)), into);
  }

  restore(weights: readonly Float32Array[]): void {
    const tensors = this.model.weights.map((w, i) => tf.tensor(weights[i] as Float32Array, w.shape as number[], w.dtype));
    this.model.setWeights(tensors);
    tf.dispose(tensors);
  }

  /**
   * The state arrays: the live ones, or with `copyHeap` copies of those in the wasm heap (a slot `inHeap`), whose views
   * would detach at the next wasm allocation.
   */
  private stateArrays(copyHeap: boolean): (Float32Array | Uint8Array)[] {
    const arrays: (Float32Array | Uint8Array)[] = [];
    for (const slot of this.step.slots) {
      arrays.push(...(copyHeap && slot.inHeap ? slot.state.map((a) => a.slice()) : slot.state));
      if (slot.touched) arrays.push(slot.touched);
    }
    return arrays;
  }

  optimizerState(): { step: number; arrays: (Float32Array | Uint8Array)[] } {
    return { step: this.step.optimizer.step, arrays: this.stateArrays(true) };
  }

  loadOptimizerState(step: number, arrays: readonly (Float32Array | Uint8Array)[], where: string): void {
    const mine = this.stateArrays(false);
    if (arrays.length !== mine.length || arrays.some((a, i) => a.length !== (mine[i] as Float32Array).length || a.constructor !== mine[i]?.constructor)) {
      throw new Error(
        `${where}: the optimizer state has arrays of [${arrays.map((a) => a.length).join(', ')}] values, ` +
          `this run's ${this.step.optimizer.name} state needs [${mine.map((a) => a.length).join(', ')}]`,
      );
    }
    mine.forEach((a, i) => a.set(arrays[i] as never));
    this.step.optimizer.step = step;
  }

  writeBack(): void {}

  close(): Promise<void> {
    this.step.dispose();
    return Promise.resolve();
  }
}
