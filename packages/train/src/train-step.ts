import * as tf from '@tensorflow/tfjs';
import { bprLoss, logLoss, mseLoss } from './losses.js';
import type { ModelInfo, TrainableParam } from './model-info.js';
import type { ParamSlot, RowOptimizer } from './optimizers.js';
import { resolveL2, touchedBlocks, touchedRows, type L2Option, type ParameterGroup } from './regularization.js';

/** The update unit of a sparse table: `[rows, rowSize]`, or `[n·F, k]` blocks for a field-aware table. */
function unitShape(p: TrainableParam): [number, number] {
  const size = p.shape.reduce((a, b) => a * b, 1);
  const unit = p.fieldBlocks ? p.rowSize / p.fieldBlocks : p.rowSize;
  return [size / unit, unit];
}

/** How the scored rows of a step form the loss. */
export type StepLoss = 'mse' | 'logloss' | 'bpr';

/** The rows of one step: `[rows, width]` row-major ids/values and, for mse/logloss, `[rows]` labels. */
export interface StepBatch {
  rows: number;
  width: number;
  ids: Int32Array;
  values: Float32Array;
  /** Targets (mse/logloss); for bpr the first half of the rows are positives and the second half their negatives. */
  labels?: Float32Array;
}

/**
 * One optimisation step on a `@fm/layers` model: forward + loss + gradients through tfjs, then the
 * update in plain TypeScript on the {@link RowOptimizer}. For every sparse table only the rows the
 * batch touches are read back (`tf.gather` of the gradient and the weights), updated with their
 * row-wise state and written back with one `tf.tensorScatterUpdate`; dense weights are updated whole.
 * Regularisation follows {@link l2Penalty} (`./regularization.ts`).
 */
export class TrainStep {
  readonly slots: ParamSlot[];
  private readonly lambda: Record<ParameterGroup, number>;

  constructor(
    private readonly model: tf.LayersModel,
    private readonly info: ModelInfo,
    readonly optimizer: RowOptimizer,
    l2: L2Option | undefined,
    private readonly loss: StepLoss,
  ) {
    this.lambda = resolveL2(l2);
    // FFM blocks keep row-wise Adagrad state, as the native engine does
    this.slots = info.params.map((p) => optimizer.newSlot(p.shape.reduce((a, b) => a * b, 1), unitShape(p)[1] as number, p.fieldBlocks !== undefined));
  }

  private fieldOfTable: Int32Array | undefined;
  /** `[n]` field of every feature id (for field-aware tables). */
  private fieldOf(): Int32Array {
    if (!this.fieldOfTable) {
      const dims = this.info.fieldDims;
      this.fieldOfTable = new Int32Array(this.info.numFeatures);
      let o = 0;
      dims.forEach((d, f) => {
        this.fieldOfTable?.fill(f, o, o + d);
        o += d;
      });
    }
    return this.fieldOfTable;
  }

  /** Runs one step; resolves to the batch's mean data loss (before regularisation). */
  async run(batch: StepBatch): Promise<number> {
    const { rows, width } = batch;
    const ids = batch.ids.subarray(0, rows * width);
    const values = batch.values.subarray(0, rows * width);
    const params = this.info.params;
    const vars = params.map((p) => p.weight.read() as tf.Variable);
    const { value, grads } = tf.tidy(() => {
      const idsT = tf.tensor2d(ids, [rows, width], 'int32');
      const valsT = tf.tensor2d(values, [rows, width], 'float32');
      const labelsT = batch.labels ? tf.tensor1d(batch.labels.subarray(0, rows), 'float32') : undefined;
      return tf.variableGrads(() => {
        const out = tf.reshape(this.model.apply([idsT, valsT], { training: true }) as tf.Tensor, [-1]);
        if (this.loss === 'bpr') {
          const half = rows / 2;
          return bprLoss(tf.slice(out, 0, half), tf.slice(out, half, half));
        }
        if (!labelsT) throw new Error('TrainStep: labels are required for mse/logloss');
        // regression follows ½·MSE (gradient ŷ − y, as libFM and the native engine); MSE is reported
        return this.loss === 'mse' ? tf.mul(0.5, mseLoss(out, labelsT)) : logLoss(out, labelsT);
      }, vars);
    });
    try {
      this.optimizer.beginStep();
      const rowsUsed = params.some((p) => p.sparse && !p.fieldBlocks) ? touchedRows(ids, values) : undefined;
      const blocksUsed = params.some((p) => p.sparse && p.fieldBlocks)
        ? touchedBlocks(ids, values, rows, width, this.fieldOf(), this.info.fieldDims.length)
        : undefined;
      const rowsT = rowsUsed ? tf.tensor1d(rowsUsed.unique, 'int32') : undefined;
      const blocksT = blocksUsed ? tf.tensor1d(blocksUsed.unique, 'int32') : undefined;
      const unitsOf = (p: TrainableParam) => (p.fieldBlocks ? { touched: blocksUsed, idxT: blocksT } : { touched: rowsUsed, idxT: rowsT });
      const reads: Promise<[Float32Array, Float32Array]>[] = [];
      const gathered: tf.Tensor[] = [];
      params.forEach((p, i) => {
        const g = grads[(vars[i] as tf.Variable).name];
        if (!g) {
          reads.push(Promise.resolve([new Float32Array(0), new Float32Array(0)]));
          return;
        }
        const { idxT } = unitsOf(p);
        if (p.sparse && idxT) {
          const unit = unitShape(p);
          const gr = tf.gather(tf.reshape(g, unit), idxT);
          const wr = tf.gather(tf.reshape(vars[i] as tf.Variable, unit), idxT);
          gathered.push(gr, wr);
          reads.push(Promise.all([wr.data() as Promise<Float32Array>, gr.data() as Promise<Float32Array>]));
        } else {
          reads.push(Promise.all([(vars[i] as tf.Variable).data() as Promise<Float32Array>, g.data() as Promise<Float32Array>]));
        }
      });
      const lossValue = ((await value.data())[0] as number) * (this.loss === 'mse' ? 2 : 1);
      const arrays = await Promise.all(reads);
      tf.dispose(gathered);
      try {
        params.forEach((p, i) => {
          if (!grads[(vars[i] as tf.Variable).name]) return;
          const [wRead, g] = arrays[i] as [Float32Array, Float32Array];
          const w = Float32Array.from(wRead); // never mutate a backend's own buffer
          const lambda = this.lambda[p.group];
          const slot = this.slots[i] as ParamSlot;
          const { touched, idxT } = unitsOf(p);
          if (p.sparse && touched && idxT) {
            const unit = unitShape(p);
            if (lambda > 0) {
              const r = unit[1] as number;
              for (let u = 0; u < touched.unique.length; u++) {
                const c = (lambda * (touched.counts[u] as number)) / rows;
                for (let t = u * r; t < (u + 1) * r; t++) g[t] = (g[t] as number) + c * (w[t] as number);
              }
            }
            this.optimizer.update(slot, touched.unique, w, g);
            tf.tidy(() => {
              const upd = tf.tensor2d(w, [touched.unique.length, unit[1] as number], 'float32');
              const table = tf.tensorScatterUpdate(tf.reshape(vars[i] as tf.Variable, unit), tf.reshape(idxT, [-1, 1]), upd);
              p.weight.write(tf.reshape(table, p.shape));
            });
          } else {
            if (lambda > 0) for (let t = 0; t < w.length; t++) g[t] = (g[t] as number) + lambda * (w[t] as number);
            this.optimizer.update(slot, null, w, g);
            tf.tidy(() => {
              p.weight.write(tf.tensor(w, p.shape, 'float32'));
            });
          }
        });
      } finally {
        rowsT?.dispose();
        blocksT?.dispose();
      }
      return lossValue;
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
  }
}
