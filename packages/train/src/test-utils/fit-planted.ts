import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, type ModelConfig, type ModelKind } from '@fm/layers';
import { afterAll, beforeAll } from 'vitest';
import { fit } from '../fit.js';
import { plantedThreeWayCross, type PlantedSet } from './planted-clicks.js';

/** Held-out log loss and AUC of a model trained on a planted set through `fit`'s tfjs engine. */
export interface PlantedScore {
  logloss: number;
  auc: number;
}

/**
 * Trains `kind` (k = 8, factors N(0, 0.1²), seed 3, plus `config`) on `data.train` with the tfjs engine (Adam,
 * lr 0.02, batch 250, L2 1e-6, no early stopping) and returns the last epoch's metrics on `data.test`.
 */
export async function fitPlanted(data: PlantedSet, kind: ModelKind, config: Partial<ModelConfig>, epochs: number): Promise<PlantedScore> {
  const model = createModel(kind, { fieldDims: data.train.schema.fieldDims, embeddingDim: 8, seed: 3, initStd: 0.1, ...config });
  try {
    const r = await fit(model, data.train, {
      engine: 'tfjs', task: 'binary', epochs, batchSize: 250, learningRate: 0.02, l2: 1e-6, seed: 5,
      validation: data.test, earlyStopping: false,
    });
    const last = r.history[r.history.length - 1]?.valMetrics;
    if (last?.logloss === undefined || last.auc === undefined) throw new Error(`fitPlanted: no validation metrics for ${kind}`);
    return { logloss: last.logloss, auc: last.auc };
  } finally {
    model.dispose();
  }
}

/** Runs the calling test file on the wasm backend (the one the speed targets are about), restoring cpu after. */
export function onWasmBackend(): void {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });
}

/** The third-order-cross set of the planted tests (3 signal fields of 6 ids, 1 noise field; 3,000 / 1,000 rows). */
export function smallThreeWayCross(): PlantedSet {
  return plantedThreeWayCross({ fieldDims: [6, 6, 6, 4], rows: 3000, testRows: 1000 });
}
