// The code of docs/adding-a-layer.md, written as a user would: only the package's public API.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FactorizationMachine,
  FeaturesEmbedding,
  FeaturesLinear,
  FieldSumPooling,
  FieldWeightedFactorizationMachine,
  InnerProductInteraction,
  MultiLayerPerceptron,
  gatherRows,
  idToFieldTable,
  modelFieldDims,
  modelKind,
  type CallKwargs,
  type LayerArgs,
} from './index.js';

// --- part 1: a new model from existing blocks ----------------------------------------------------------------------

/**
 * DeepFwFM (Deng et al. 2021, "DeepLight: Deep Lightweight Feature Interactions for Accelerating CTR Predictions
 * in Ad Serving", WSDM): linear + field-weighted FM + an MLP over the field embeddings, the FwFM and the MLP
 * sharing one embedding table.
 */
export function createDeepFwFM(fieldDims: number[], embeddingDim = 8, seed = 1): tf.LayersModel {
  const ids = tf.input({ shape: [fieldDims.length], dtype: 'int32', name: 'ids' });
  const values = tf.input({ shape: [fieldDims.length], name: 'values' });
  const linear = new FeaturesLinear({ fieldDims, modelKind: 'deep-fwfm' }).apply([ids, values]) as tf.SymbolicTensor;
  const embedding = new FeaturesEmbedding({ fieldDims, embeddingDim, seed, initStd: 0.1 });
  const pairs = new FieldWeightedFactorizationMachine({ fieldDims }).apply([ids, embedding.apply(ids) as tf.SymbolicTensor, values]) as tf.SymbolicTensor;
  const fields = new FieldSumPooling({ fieldDims }).apply([ids, embedding.apply([ids, values]) as tf.SymbolicTensor]) as tf.SymbolicTensor;
  const deep = new MultiLayerPerceptron({ hiddenUnits: [16], outputUnits: 1, seed }).apply(fields) as tf.SymbolicTensor;
  const output = tf.layers.add().apply([linear, pairs, deep]) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, values], outputs: output, name: 'deep-fwfm' });
}

/** IPNN as pytorch-fm builds it: an MLP over the field embeddings and all their pairwise inner products. */
export function createPairwiseIPNN(fieldDims: number[], embeddingDim = 8, seed = 1): tf.LayersModel {
  const ids = tf.input({ shape: [fieldDims.length], dtype: 'int32', name: 'ids' });
  const values = tf.input({ shape: [fieldDims.length], name: 'values' });
  const emb = new FeaturesEmbedding({ fieldDims, embeddingDim, seed, initStd: 0.1, modelKind: 'pairwise-ipnn' }).apply([ids, values]) as tf.SymbolicTensor;
  const fields = new FieldSumPooling({ fieldDims }).apply([ids, emb]) as tf.SymbolicTensor;
  const products = new InnerProductInteraction().apply(fields) as tf.SymbolicTensor;
  const joined = tf.layers.concatenate().apply([tf.layers.flatten().apply(fields) as tf.SymbolicTensor, products]) as tf.SymbolicTensor;
  const output = new MultiLayerPerceptron({ hiddenUnits: [16], outputUnits: 1, seed }).apply(joined) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, values], outputs: output, name: 'pairwise-ipnn' });
}

// --- part 2: a new layer -------------------------------------------------------------------------------------------

/** Options of {@link FieldScaling}. */
export interface FieldScalingArgs extends LayerArgs {
  /** Cardinality of each field (the layer derives each slot's field from its id). */
  fieldDims: number[];
}

/**
 * Scales each slot's embedding by a learned weight of its field: e′_i = s_{f_i} e_i, with one weight per field
 * (weight `'field_scales'` `[F, 1]`, initialised to 1). Under an FM it gives Σ_{i<j} s_{f_i} s_{f_j} ⟨v_i, v_j⟩ x_i x_j,
 * a field-weighted FM whose pair strengths have rank one: F weights instead of F(F+1)/2, and |s_f| reads as the
 * importance of field f.
 *
 * Input: `[ids int32 [B, W], embeddings float32 [B, W, k]]`. Output: `[B, W, k]`.
 */
export class FieldScaling extends tf.layers.Layer {
  static readonly className = 'FieldScaling';
  readonly fieldDims: number[];
  private scales: tf.LayerVariable | null = null;
  private fieldOfId: tf.Tensor1D | null = null;

  constructor(args: FieldScalingArgs) {
    super(args);
    this.fieldDims = [...args.fieldDims];
  }

  override build(): void {
    this.scales = this.addWeight('field_scales', [this.fieldDims.length, 1], 'float32', tf.initializers.ones());
    this.fieldOfId = tf.keep(idToFieldTable(this.fieldDims));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, emb] = inputs as [tf.Tensor, tf.Tensor3D];
      if (this.scales === null || this.fieldOfId === null) throw new Error('FieldScaling: call before build');
      const fields = tf.gather(this.fieldOfId, tf.cast(ids, 'int32')); // integer table: no gradient needed
      const slotScales = gatherRows(this.scales.read() as tf.Tensor2D, fields); // trainable: gatherRows, not tf.gather
      return tf.mul(emb, slotScales);
    });
  }

  override computeOutputShape(inputShape: tf.Shape[]): tf.Shape {
    return inputShape[1] as tf.Shape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), fieldDims: this.fieldDims };
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) this.fieldOfId?.dispose();
    return result;
  }
}
tf.serialization.registerClass(FieldScaling);

/** linear + FM over field-scaled embeddings. */
export function createScaledFM(fieldDims: number[], embeddingDim = 8, seed = 1): tf.LayersModel {
  const ids = tf.input({ shape: [fieldDims.length], dtype: 'int32', name: 'ids' });
  const values = tf.input({ shape: [fieldDims.length], name: 'values' });
  const linear = new FeaturesLinear({ fieldDims, modelKind: 'scaled-fm' }).apply([ids, values]) as tf.SymbolicTensor;
  const emb = new FeaturesEmbedding({ fieldDims, embeddingDim, seed, initStd: 0.1 }).apply(ids) as tf.SymbolicTensor;
  const scaled = new FieldScaling({ fieldDims }).apply([ids, emb]) as tf.SymbolicTensor;
  const pairs = new FactorizationMachine().apply([scaled, values]) as tf.SymbolicTensor;
  const output = tf.layers.add().apply([linear, pairs]) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, values], outputs: output, name: 'scaled-fm' });
}

// --- the checks ----------------------------------------------------------------------------------------------------

afterAll(async () => {
  await tf.setBackend('cpu');
});

const fieldDims = [3, 4, 2];
const fieldOf = (id: number) => (id < 3 ? 0 : id < 7 ? 1 : 2);

/** Every (user, item, context) triple with a hand-made target: a pairwise rule plus a user × context effect. */
function toyTable(): { ids: tf.Tensor2D; values: tf.Tensor2D; y: tf.Tensor2D } {
  const ids: number[][] = [];
  const ys: number[][] = [];
  for (let u = 0; u < 3; u++) {
    for (let i = 0; i < 4; i++) {
      for (let c = 0; c < 2; c++) {
        ids.push([u, 3 + i, 7 + c]);
        ys.push([(u === i ? 2 : (u + i) % 3 === 0 ? -1 : 0.5) + (c === 1 && u === 2 ? 1 : 0)]);
      }
    }
  }
  const idT = tf.tensor2d(ids, undefined, 'int32');
  return { ids: idT, values: tf.onesLike(idT).toFloat() as tf.Tensor2D, y: tf.tensor2d(ys) };
}

/** Adam on the mean squared error, as in the doc; returns the MSE before and after. */
function train(model: tf.LayersModel, steps: number): [number, number] {
  const { ids, values, y } = toyTable();
  const optimizer = tf.train.adam(0.05);
  const mse = () => tf.losses.meanSquaredError(y, model.apply([ids, values], { training: true }) as tf.Tensor) as tf.Scalar;
  const before = mse().dataSync()[0] as number;
  for (let step = 0; step < steps; step++) tf.tidy(() => void optimizer.minimize(mse));
  return [before, mse().dataSync()[0] as number];
}

async function saveAndLoad(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
}

describe('docs/adding-a-layer.md, part 1: new models from existing blocks', () => {
  it('DeepFwFM is the sum of its linear, FwFM and MLP parts, trains, and saves/loads', async () => {
    await tf.setBackend('cpu');
    const model = createDeepFwFM(fieldDims);
    const { ids, values } = toyTable();
    const byClass = (name: string) => model.layers.find((l) => l.getClassName() === name) as tf.layers.Layer;
    const [linear, embedding, fwfm, pooling, mlp] = ['FeaturesLinear', 'FeaturesEmbedding', 'FieldWeightedFactorizationMachine', 'FieldSumPooling', 'MultiLayerPerceptron'].map(byClass);
    const parts = tf.tidy(() => {
      const emb = embedding?.apply(ids) as tf.Tensor;
      const fields = pooling?.apply([ids, embedding?.apply([ids, values]) as tf.Tensor]) as tf.Tensor;
      return tf.addN([linear?.apply([ids, values]) as tf.Tensor, fwfm?.apply([ids, emb, values]) as tf.Tensor, mlp?.apply(fields) as tf.Tensor]);
    });
    const out = (model.predict([ids, values]) as tf.Tensor).dataSync();
    parts.dataSync().forEach((v, b) => expect(out[b]).toBeCloseTo(v, 5));
    await tf.setBackend('wasm');
    const [before, after] = train(model, 120);
    expect(after).toBeLessThan(0.05);
    expect(after).toBeLessThan(before / 10);
    const loaded = await saveAndLoad(model);
    expect(Array.from((loaded.predict([ids, values]) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict([ids, values]) as tf.Tensor).dataSync()));
    expect([modelFieldDims(loaded), modelKind(loaded)]).toEqual([fieldDims, 'deep-fwfm']);
  });

  it('the pairwise IPNN feeds F(F−1)/2 inner products to its MLP and trains', async () => {
    await tf.setBackend('wasm');
    const model = createPairwiseIPNN(fieldDims);
    const mlp = model.layers.find((l) => l.getClassName() === 'MultiLayerPerceptron') as tf.layers.Layer;
    expect(mlp.getWeights()[0]?.shape).toEqual([3 * 8 + 3, 16]);
    const [before, after] = train(model, 150);
    expect(after).toBeLessThan(before / 5);
  });
});

describe('docs/adding-a-layer.md, part 2: a new layer', () => {
  it('FieldScaling computes s_{f_i} e_i (explicit loop) and its FM equals Σ_{i<j} s_{f_i} s_{f_j} ⟨v_i, v_j⟩ x_i x_j', async () => {
    await tf.setBackend('cpu');
    const layer = new FieldScaling({ fieldDims });
    const ids = tf.tensor2d([[1, 4, 7], [0, 6, 8], [2, 5, 0]], [3, 3], 'int32');
    const emb = tf.randomNormal([3, 3, 2], 0, 1, 'float32', 3);
    const values = tf.tensor2d([[1, 0.5, 2], [1, 1, 0], [2, 1, 1]]);
    layer.apply([ids, emb]);
    const s = [0.5, -2, 3];
    layer.setWeights([tf.tensor2d(s, [3, 1])]);
    const out = (layer.apply([ids, emb]) as tf.Tensor).arraySync() as number[][][];
    const e = emb.arraySync() as number[][][];
    const idArr = ids.arraySync();
    const x = values.arraySync();
    for (let b = 0; b < 3; b++) {
      for (let i = 0; i < 3; i++) {
        for (let c = 0; c < 2; c++) expect(out[b]?.[i]?.[c]).toBeCloseTo((s[fieldOf(idArr[b]?.[i] as number)] as number) * (e[b]?.[i]?.[c] as number), 5);
      }
    }
    const fm = (new FactorizationMachine().apply([layer.apply([ids, emb]) as tf.Tensor, values]) as tf.Tensor).dataSync();
    for (let b = 0; b < 3; b++) {
      let ref = 0;
      for (let i = 0; i < 3; i++) {
        for (let j = i + 1; j < 3; j++) {
          const si = s[fieldOf(idArr[b]?.[i] as number)] as number;
          const sj = s[fieldOf(idArr[b]?.[j] as number)] as number;
          let dot = 0;
          for (let c = 0; c < 2; c++) dot += (e[b]?.[i]?.[c] as number) * (e[b]?.[j]?.[c] as number);
          ref += si * sj * dot * (x[b]?.[i] as number) * (x[b]?.[j] as number);
        }
      }
      expect(fm[b]).toBeCloseTo(ref, 4);
    }
  });

  it('its gradient matches central finite differences', async () => {
    await tf.setBackend('cpu');
    const layer = new FieldScaling({ fieldDims });
    const ids = tf.tensor2d([[1, 4, 7], [0, 6, 8]], [2, 3], 'int32');
    const emb = tf.randomNormal([2, 3, 2], 0, 1, 'float32', 4);
    layer.apply([ids, emb]);
    const scales = layer.trainableWeights[0]?.read() as tf.Variable;
    const f = () => tf.sum(tf.square(layer.apply([ids, emb]) as tf.Tensor)) as tf.Scalar;
    const { grads } = tf.variableGrads(f, [scales]);
    const g = (grads[scales.name] as tf.Tensor).dataSync();
    const base = scales.dataSync().slice();
    for (let f0 = 0; f0 < 3; f0++) {
      const probe = (d: number) => {
        const copy = base.slice();
        copy[f0] = (copy[f0] as number) + d;
        scales.assign(tf.tensor2d(copy, [3, 1]));
        return f().dataSync()[0] as number;
      };
      const numeric = (probe(1e-2) - probe(-1e-2)) / 2e-2;
      scales.assign(tf.tensor2d(base, [3, 1]));
      expect(g[f0]).toBeCloseTo(numeric, 2);
    }
  });

  it('a model with it trains on the toy table and saves/loads', async () => {
    await tf.setBackend('wasm');
    const model = createScaledFM(fieldDims);
    const [before, after] = train(model, 200);
    expect(after).toBeLessThan(0.1);
    expect(after).toBeLessThan(before / 10);
    const loaded = await saveAndLoad(model);
    const { ids, values } = toyTable();
    expect(Array.from((loaded.predict([ids, values]) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict([ids, values]) as tf.Tensor).dataSync()));
    expect(modelFieldDims(loaded)).toEqual(fieldDims);
  });
});
