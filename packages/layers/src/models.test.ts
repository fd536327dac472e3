import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_KINDS, createModel, modelFieldDims, modelKind, pickModelConfig, type ModelConfig, type ModelKind } from './index.js';
import { finiteDifferenceCheck, randomBatch } from './test-utils/reference.js';

const fieldDims = [4, 5, 3];
const width = 4;

/** Models over the (user, item) two-slot schema. */
const TWO_SLOT: readonly ModelKind[] = ['mf', 'neumf'];

function configFor(kind: ModelKind): ModelConfig {
  const base: ModelConfig = {
    fieldDims, embeddingDim: 3, seed: 42, initStd: 0.3, hiddenUnits: [4], attentionSize: 3,
    crossLayers: 2, cinLayerSizes: [4, 3], attentionLayers: 2, logNeurons: 3,
  };
  // each kind gets the settings it takes (another kind's option is an error)
  const own = pickModelConfig(kind, base);
  if (kind === 'mf') return { ...own, ratingRange: [1, 5] };
  return TWO_SLOT.includes(kind) ? own : { ...own, width };
}

function inputsFor(kind: ModelKind, seed: number): [tf.Tensor, tf.Tensor] {
  if (TWO_SLOT.includes(kind)) {
    const ids = [[0, 4], [3, 8], [1, 5], [3, 4]];
    return [tf.tensor2d(ids, undefined, 'int32'), tf.ones([4, 2])];
  }
  const batch = randomBatch(fieldDims, 5, width, seed, 2);
  return [tf.tensor2d(batch.ids, undefined, 'int32'), tf.tensor2d(batch.values)];
}

/** Gives every weight a non-trivial value (biases/linear start at 0) so every gradient path is exercised. */
function perturb(model: tf.LayersModel, seed: number): void {
  model.trainableWeights.forEach((w, i) => w.write(tf.add(w.read(), tf.randomNormal(w.shape as number[], 0, 0.2, 'float32', seed + i))));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(MODEL_KINDS.map((k) => [k]))('%s model', (kind) => {
  it('outputs [B, 1], records fieldDims and kind, and rejects nothing valid', () => {
    const model = createModel(kind, configFor(kind));
    const out = model.predict(inputsFor(kind, 1)) as tf.Tensor;
    expect(out.shape).toEqual([4 + (TWO_SLOT.includes(kind) ? 0 : 1), 1]);
    expect(modelFieldDims(model)).toEqual(fieldDims);
    expect(modelKind(model)).toBe(kind);
  });

  it('gradients of every weight match central finite differences (cpu)', async () => {
    await tf.setBackend('cpu');
    const model = createModel(kind, configFor(kind));
    perturb(model, 11);
    const [ids, values] = inputsFor(kind, 2);
    const r = tf.randomNormal([ids.shape[0] as number, 1], 0, 1, 'float32', 5);
    const f = () => tf.sum(tf.mul(model.apply([ids, values]) as tf.Tensor, r)) as tf.Scalar;
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const checks = finiteDifferenceCheck(f, vars, { count: 4, eps: 1e-3 });
    expect(checks.length).toBeGreaterThanOrEqual(vars.length);
    for (const c of checks) {
      expect(Math.abs(c.analytic - c.numeric), `${c.name}[${c.index}]: ${c.analytic} vs ${c.numeric}`).toBeLessThan(
        5e-3 + 2e-2 * Math.abs(c.numeric),
      );
    }
  });

  it('cpu and wasm agree on outputs (1e-5) and gradients, with no missing gradient kernel on wasm', async () => {
    await tf.setBackend('cpu');
    const model = createModel(kind, configFor(kind));
    perturb(model, 3);
    const [ids, values] = inputsFor(kind, 3);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const loss = () => tf.sum(model.apply([ids, values]) as tf.Tensor) as tf.Scalar;
    const run = () => {
      const out = Array.from((model.predict([ids, values]) as tf.Tensor).dataSync());
      const { grads } = tf.variableGrads(loss, vars);
      return { out, grads: vars.map((v) => Array.from((grads[v.name] as tf.Tensor).dataSync())) };
    };
    const onCpu = run();
    await tf.setBackend('wasm');
    const onWasm = run();
    await tf.setBackend('cpu');
    onCpu.out.forEach((x, i) => expect(Math.abs(x - (onWasm.out[i] as number))).toBeLessThan(1e-5));
    // float32 rounding differs between the backends' kernels: relative to the gradient's size (AFN's exp grows it)
    onCpu.grads.forEach((g, v) => g.forEach((x, i) => expect(Math.abs(x - (onWasm.grads[v]?.[i] as number))).toBeLessThan(1e-4 + 1e-5 * Math.abs(x))));
  });

  it('saves to memory and loads back with the same predictions and metadata', async () => {
    const model = createModel(kind, configFor(kind));
    perturb(model, 5);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (artifacts === undefined) throw new Error('nothing saved');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const inputs = inputsFor(kind, 4);
    const a = (model.predict(inputs) as tf.Tensor).dataSync();
    const b = (loaded.predict(inputs) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(modelFieldDims(loaded)).toEqual(fieldDims);
    expect(modelKind(loaded)).toBe(kind);
    expect(loaded.trainableWeights.map((w) => w.shape)).toEqual(model.trainableWeights.map((w) => w.shape));
  });
});

describe('createModel', () => {
  it('rejects an unknown kind and bad configs with clear messages', () => {
    expect(() => createModel('xyz' as ModelKind, { fieldDims })).toThrow(/unknown model kind 'xyz'/);
    expect(() => createModel('fm', { fieldDims: [2, -1] })).toThrow(/fieldDims\[1\]/);
    expect(() => createModel('fm', { fieldDims, width: 0 })).toThrow(/width/);
  });
});
