// fit() refuses option names it does not know and optimizer settings the optimizer does not read (never ignored).
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit } from './fit.js';
import type { FitOptions } from './fit-options.js';
import { OPTIMIZER_CONFIG_KEYS } from './fit-option-keys.js';
import type { OptimizerConfig, OptimizerName } from './optimizers.js';
import { syntheticRatings } from './test-utils/toy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const data = () => syntheticRatings(20, 15, 200, 1);
const fm = (fieldDims: number[]) => createModel('fm', { fieldDims, embeddingDim: 4, seed: 1, initStd: 0.1 });
/** The weights after one epoch of `fit` with `options` (no validation, fixed seed). */
async function trained(options: FitOptions): Promise<number[]> {
  const ds = data();
  const model = fm(ds.schema.fieldDims);
  await fit(model, ds, { epochs: 1, validation: false, seed: 3, ...options });
  const w = model.weights.flatMap((v) => Array.from(v.read().dataSync()));
  model.dispose();
  return w;
}
const run = (options: Record<string, unknown>) => trained(options as FitOptions);

describe('fit option names', () => {
  it('an unknown name is an error naming it and the option meant (a typo, or a nested option given at the top)', async () => {
    await expect(run({ learningRat: 0.1 })).rejects.toThrow(/fit: unknown option "learningRat" \(did you mean learningRate\?\); the options are task, /);
    await expect(run({ patience: 2 })).rejects.toThrow(/unknown option "patience" \(did you mean earlyStopping\.patience\?\)/);
    await expect(run({ beta1: 0.5, optimizer: 'adam' })).rejects.toThrow(/unknown option "beta1" \(did you mean optimizerConfig\.beta1\?\)/);
    await expect(run({ colour: 'red' })).rejects.toThrow(/unknown option "colour"; the options are/);
    await expect(run({ validation: { fraction: 0.2 }, earlyStopping: { patiense: 2 } })).rejects.toThrow(/fit: earlyStopping: unknown option "patiense" \(did you mean patience\?\)/);
    await expect(run({ optimizer: 'adam', optimizerConfig: { beta3: 0.5 } })).rejects.toThrow(/fit: optimizerConfig: unknown option "beta3" \(did you mean beta1\?\)/);
    // the same setting given twice, differently: which would win is not for fit to guess
    await expect(run({ learningRate: 0.05, optimizerConfig: { learningRate: 0.2 } })).rejects.toThrow(/fit: learningRate 0\.05 and optimizerConfig\.learningRate 0\.2 disagree/);
    expect((await run({ learningRate: 0.05, optimizerConfig: { learningRate: 0.05 } })).length).toBeGreaterThan(0);
  });

  it('negativesPerPositive outside the binary task is an error (ranking pairs each positive with one negative)', async () => {
    await expect(run({ task: 'ranking', negativesPerPositive: 3 })).rejects.toThrow(/negativesPerPositive applies to the binary task only \(ranking, BPR, pairs each positive with one sampled negative\)/);
    await expect(run({ negativesPerPositive: 3 })).rejects.toThrow(/negativesPerPositive applies to the binary task only$/);
  });

  it('an optimizerConfig field the optimizer does not read is an error naming the optimizers that do', async () => {
    await expect(run({ optimizer: 'adam', optimizerConfig: { ftrlBeta: 2 } })).rejects.toThrow(/optimizerConfig\.ftrlBeta applies to ftrl; the optimizer is adam, which reads learningRate, beta1, beta2, epsilon/);
    await expect(run({ optimizer: 'sgd', optimizerConfig: { epsilon: 1 } })).rejects.toThrow(/optimizerConfig\.epsilon applies to adam \| adagrad; the optimizer is sgd/);
    // the default optimizer is checked too (fm regression: sgd)
    await expect(run({ optimizerConfig: { beta1: 0.5 } })).rejects.toThrow(/optimizerConfig\.beta1 applies to adam/);
  });

  it('every field an optimizer is said to read changes its training (so the list over-claims nothing)', async () => {
    const changed: Record<keyof OptimizerConfig, number> = { learningRate: 0.2, beta1: 0.5, beta2: 0.5, epsilon: 0.5, initialAccumulatorValue: 5, ftrlBeta: 5, ftrlL1: 0.5, ftrlL2: 5 };
    for (const [optimizer, keys] of Object.entries(OPTIMIZER_CONFIG_KEYS) as [OptimizerName, readonly (keyof OptimizerConfig)[]][]) {
      const base = await trained({ optimizer, optimizerConfig: { learningRate: 0.05 } });
      for (const key of keys) {
        const other = await trained({ optimizer, optimizerConfig: { learningRate: 0.05, [key]: changed[key] } });
        const diff = Math.max(...other.map((v, i) => Math.abs(v - (base[i] as number))));
        expect(diff, `${optimizer}: optimizerConfig.${key}`).toBeGreaterThan(1e-6);
      }
    }
  });
});
