/**
 * Quality next to speed for the deep models on the tfjs engine (wasm): `fit()` with early stopping (patience 2)
 * on a held-out 10% slice of the training rows (never a test file). `runDeepQuality` trains a list of (batch size,
 * Adam learning rate) settings per model and seed; `bench --only deep-quality` compares today's default with
 * the recommended setting (`RECOMMENDED` in deep-bench.ts) over 3 seeds of a 300k-row 10-field set, then on a
 * 39-field set (off the path it was tuned on) and at fit()'s default L2; `--grid` adds the sweep of batch sizes
 * 256-4096 × learning rates 2e-3-3.2e-2 (100k rows) that the recommendation started from.
 *
 * The generator's sets here have 200 ids per field (the speed sets have 5,000-10,000): with 100k rows and
 * 10,000 ids per field none of these models learns more than the linear terms, whatever the batch size.
 * L2 is 1e-5 per example on every group: `fit()`'s default (tuned on MovieLens ratings) keeps every model at the
 * linear model's log loss on these sets, so it is reported once next to the tuned runs, not tuned on.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { generateCtr, type SparseDataset } from '@fm/data';
import { createModel } from '@fm/layers';
import { fit, selectBackend, type L2Option } from '@fm/train';
import type { DeepModel } from './deep-bench.js';

/** The quality sets: `generateCtr` with 200 ids per field. */
export const QUALITY_DATA = {
  ctr10: { fields: 10, hashSize: 2_000 },
  ctr39: { fields: 39, hashSize: 7_800 },
} as const;
export type QualityData = keyof typeof QUALITY_DATA;

/** The L2 the sweep trains with (per example, every group). */
export const QUALITY_L2 = 1e-5;

/** One trained configuration. */
export interface DeepQualityRow {
  data: QualityData;
  rows: number;
  seed: number;
  model: DeepModel;
  batch: number;
  lr: number;
  /** The L2 used ('fit-default' = fit()'s own default). */
  l2: string;
  /** Validation log loss of the best epoch, and that epoch. */
  valLogLoss: number;
  bestEpoch: number;
  epochs: number;
  /** Mean log loss of the generator's true probabilities on the same kind of rows (the floor). */
  bestPossible: number;
  /** Training examples/s over the run (wall clock, excluding validation) and the run's wall seconds. */
  examplesPerSec: number;
  seconds: number;
}

/** Options of {@link runDeepQuality}. */
export interface DeepQualityOptions {
  data: QualityData;
  models: readonly DeepModel[];
  /** The (batch size, learning rate) settings to train, per model. */
  grid: (model: DeepModel) => readonly { batchSize: number; learningRate: number }[];
  /** Training rows (the last 10% of them are the validation slice). */
  rows?: number;
  maxEpochs?: number;
  patience?: number;
  /** Seeds of the model's initialiser and of fit() (shuffling, the validation slice): one run each; default [1]. */
  seeds?: readonly number[];
  /** L2 (default {@link QUALITY_L2}); 'fit-default' uses fit()'s own default. */
  l2?: L2Option | 'fit-default';
}

function dataset(data: QualityData, rows: number): { ds: SparseDataset; best: number } {
  const d = QUALITY_DATA[data];
  const g = generateCtr({ rows, fields: d.fields, hashSize: d.hashSize, seed: 11 });
  return { ds: g.dataset, best: g.bestLogLoss };
}

/** Trains every (model, batch, learning rate) of the grid with `fit()` and reports its best validation log loss. */
export async function runDeepQuality(o: DeepQualityOptions): Promise<DeepQualityRow[]> {
  await selectBackend('wasm');
  const { ds, best } = dataset(o.data, o.rows ?? 100_000);
  const l2 = o.l2 ?? QUALITY_L2;
  const out: DeepQualityRow[] = [];
  for (const model of o.models) {
    for (const { batchSize, learningRate } of o.grid(model)) for (const seed of o.seeds ?? [1]) {
      const m = createModel(model, { fieldDims: ds.schema.fieldDims, embeddingDim: 16, seed });
      const t0 = performance.now();
      const r = await fit(m, ds, {
        task: 'binary',
        engine: 'tfjs',
        batchSize,
        learningRate,
        epochs: o.maxEpochs ?? 20,
        validation: { fraction: 0.1 },
        earlyStopping: { metric: 'logloss', patience: o.patience ?? 2 },
        seed: seed + 2,
        ...(l2 === 'fit-default' ? {} : { l2 }),
      });
      const row: DeepQualityRow = {
        data: o.data,
        rows: ds.numRows,
        seed,
        model,
        batch: batchSize,
        lr: learningRate,
        l2: typeof l2 === 'string' ? l2 : JSON.stringify(l2),
        valLogLoss: r.valMetrics?.['logloss'] ?? NaN,
        bestEpoch: r.bestEpoch,
        epochs: r.epochs,
        bestPossible: best,
        examplesPerSec: r.examplesPerSecond,
        seconds: (performance.now() - t0) / 1000,
      };
      console.error(
        `quality ${o.data} seed ${seed} ${model.padEnd(6)} l2=${row.l2} B=${String(batchSize).padEnd(4)} lr=${learningRate} val logloss ${row.valLogLoss.toFixed(4)} ` +
          `(best epoch ${row.bestEpoch}/${row.epochs}, ${Math.round(row.examplesPerSec).toLocaleString('en-US')} ex/s, ${row.seconds.toFixed(0)} s)`,
      );
      out.push(row);
      m.dispose();
      tf.disposeVariables();
    }
  }
  return out;
}
