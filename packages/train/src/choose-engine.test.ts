import * as tf from '@tensorflow/tfjs';
import { createModel, pickModelConfig, type ModelKind } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseEngine, nativeEngineRuns, trainsNatively } from './choose-engine.js';
import { inspectModel } from './model-info.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('trainsNatively', () => {
  it("tells chooseEngine's choice from the kind alone, for every engine choice and backend", () => {
    for (const kind of ['lr', 'fm', 'ffm', 'mf', 'deepfm', 'afm', 'hofm'] as ModelKind[]) {
      const model = createModel(kind, pickModelConfig(kind, { fieldDims: [3, 4], embeddingDim: 2, seed: 1 }));
      const info = inspectModel(model);
      for (const choice of ['auto', 'native', 'tfjs'] as const) {
        for (const backend of ['cpu', 'wasm', 'webgl', 'webgpu', 'tensorflow']) {
          let native: boolean;
          try {
            native = chooseEngine(model, info, choice, backend).name === 'native';
          } catch {
            native = false; // 'native' asked of a model it cannot train
          }
          expect(trainsNatively(kind, choice, backend), `${kind} ${choice} ${backend}`).toBe(native);
          if (['lr', 'fm', 'ffm', 'mf'].includes(kind)) expect(nativeEngineRuns(choice, backend)).toBe(native);
        }
      }
      model.dispose();
    }
  });
});
