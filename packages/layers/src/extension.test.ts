// The code of docs/adding-a-layer.md: a field-weighted FM written outside the package, using only the public API.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FeaturesEmbedding, FeaturesLinear, idToFieldTable, modelFieldDims, type CallKwargs, type LayerArgs } from './index.js';

// --- step 1: the layer -------------------------------------------------------------------------------------------

/** Options of {@link FieldWeightedFactorizationMachine}. */
export interface FieldWeightedFactorizationMachineArgs extends LayerArgs {
  /** Cardinality of each field (the layer derives each slot's field from its id). */
  fieldDims: number[];
}

/**
 * The pairwise term of a field-weighted FM (Pan et al. 2018, "Field-weighted Factorization Machines for
 * Click-Through Rate Prediction in Display Advertising", WWW): Σ_{i<j} r_{f_i,f_j} ⟨v_i, v_j⟩ x_i x_j, with one
 * learned weight per field pair (a symmetric `[F, F]` matrix, weight `'field_pair_weights'`, initialised to 1).
 *
 * Input: `[ids int32 [B, W], embeddings float32 [B, W, k], values float32 [B, W]]`. Output: `[B, 1]`.
 */
export class FieldWeightedFactorizationMachine extends tf.layers.Layer {
  static readonly className = 'FieldWeightedFactorizationMachine';
  readonly fieldDims: number[];
  private pairWeights: tf.LayerVariable | null = null;
  private fieldOfId: tf.Tensor1D | null = null;

  constructor(args: FieldWeightedFactorizationMachineArgs) {
    super(args);
    this.fieldDims = [...args.fieldDims];
  }

  override build(): void {
    const F = this.fieldDims.length;
    this.pairWeights = this.addWeight('field_pair_weights', [F, F], 'float32', tf.initializers.ones());
    this.fieldOfId = tf.keep(idToFieldTable(this.fieldDims));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, emb, values] = inputs as [tf.Tensor, tf.Tensor3D, tf.Tensor2D];
      if (this.pairWeights === null || this.fieldOfId === null) throw new Error('FwFM: call before build');
      const [batch, width] = values.shape;
      const F = this.fieldDims.length;
      const r = this.pairWeights.read() as tf.Tensor2D;
      const symmetric = tf.mul(tf.add(r, tf.transpose(r)), 0.5);
      // slot-pair weights R[b, i, j] = r_{f_i, f_j} through a one-hot matmul (no gather gradient needed)
      const oneHot = tf.cast(tf.oneHot(tf.gather(this.fieldOfId, tf.cast(ids, 'int32')), F), 'float32') as tf.Tensor3D;
      const left = tf.reshape(tf.matMul(tf.reshape(oneHot, [batch * width, F]), symmetric), [batch, width, F]);
      const slotWeights = tf.matMul(left, oneHot, false, true);
      // dots[b, i, j] = ⟨v_i x_i, v_j x_j⟩
      const xv = tf.mul(emb, tf.expandDims(values, -1)) as tf.Tensor3D;
      const dots = tf.matMul(xv, xv, false, true);
      const upper = tf.sub(tf.linalg.bandPart(tf.ones([width, width]), 0, -1), tf.eye(width));
      return tf.reshape(tf.sum(tf.mul(tf.mul(dots, slotWeights), upper), [1, 2]), [batch, 1]);
    });
  }

  override computeOutputShape(inputShape: tf.Shape[]): tf.Shape {
    return [inputShape[0]?.[0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), fieldDims: this.fieldDims };
  }
}
tf.serialization.registerClass(FieldWeightedFactorizationMachine);

// --- step 2: the model -------------------------------------------------------------------------------------------

export function createFwFM(fieldDims: number[], embeddingDim = 8, seed = 1): tf.LayersModel {
  const ids = tf.input({ shape: [fieldDims.length], dtype: 'int32', name: 'ids' });
  const values = tf.input({ shape: [fieldDims.length], name: 'values' });
  const linear = new FeaturesLinear({ fieldDims, modelKind: 'fwfm' }).apply([ids, values]) as tf.SymbolicTensor;
  const emb = new FeaturesEmbedding({ fieldDims, embeddingDim, seed, initStd: 0.1 }).apply(ids) as tf.SymbolicTensor;
  const pairs = new FieldWeightedFactorizationMachine({ fieldDims }).apply([ids, emb, values]) as tf.SymbolicTensor;
  const output = tf.layers.add().apply([linear, pairs]) as tf.SymbolicTensor;
  return tf.model({ inputs: [ids, values], outputs: output, name: 'fwfm' });
}

// --- the checks --------------------------------------------------------------------------------------------------

describe('extension: a field-weighted FM written against the public API', () => {
  const fieldDims = [3, 4, 2];

  it('computes Σ r_{f_i,f_j} ⟨v_i, v_j⟩ x_i x_j (brute force)', async () => {
    await tf.setBackend('cpu');
    const layer = new FieldWeightedFactorizationMachine({ fieldDims });
    const ids = tf.tensor2d([[1, 4, 7], [0, 6, 8]], [2, 3], 'int32');
    const emb = tf.randomNormal([2, 3, 2], 0, 1, 'float32', 3) as tf.Tensor3D;
    const values = tf.tensor2d([[1, 0.5, 2], [1, 1, 0]]);
    layer.apply([ids, emb, values]);
    const r = [[1, 2, 3], [0, 1, 4], [5, 2, 1]];
    layer.setWeights([tf.tensor2d(r)]);
    const out = (layer.apply([ids, emb, values]) as tf.Tensor).dataSync();
    const fieldOf = (id: number) => (id < 3 ? 0 : id < 7 ? 1 : 2);
    const e = emb.arraySync();
    const x = values.arraySync();
    const idArr = ids.arraySync();
    for (let b = 0; b < 2; b++) {
      let ref = 0;
      for (let i = 0; i < 3; i++) {
        for (let j = i + 1; j < 3; j++) {
          const fi = fieldOf(idArr[b]?.[i] as number);
          const fj = fieldOf(idArr[b]?.[j] as number);
          const rij = ((r[fi]?.[fj] as number) + (r[fj]?.[fi] as number)) / 2;
          let dot = 0;
          for (let c = 0; c < 2; c++) dot += (e[b]?.[i]?.[c] as number) * (e[b]?.[j]?.[c] as number);
          ref += rij * dot * (x[b]?.[i] as number) * (x[b]?.[j] as number);
        }
      }
      expect(out[b]).toBeCloseTo(ref, 5);
    }
  });

  it('trains, saves to memory and loads back with the same predictions', async () => {
    await tf.setBackend('cpu');
    // target: a pairwise rule the model can represent (user × item interaction), built by hand
    const ids: number[][] = [];
    const ys: number[][] = [];
    for (let u = 0; u < 3; u++) {
      for (let i = 0; i < 4; i++) {
        ids.push([u, 3 + i, 7 + ((u + i) % 2)]);
        ys.push([u === i ? 2 : (u + i) % 3 === 0 ? -1 : 0.5]);
      }
    }
    const idT = tf.tensor2d(ids, undefined, 'int32');
    const valT = tf.onesLike(idT).toFloat();
    const y = tf.tensor2d(ys);
    const model = createFwFM(fieldDims);
    const optimizer = tf.train.adam(0.05);
    const mse = () => tf.losses.meanSquaredError(y, model.apply([idT, valT], { training: true }) as tf.Tensor) as tf.Scalar;
    const before = mse().dataSync()[0] as number;
    for (let step = 0; step < 200; step++) tf.tidy(() => void optimizer.minimize(mse));
    const after = mse().dataSync()[0] as number;
    expect(after).toBeLessThan(0.05);
    expect(after).toBeLessThan(before / 10);

    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const a = (model.predict([idT, valT]) as tf.Tensor).dataSync();
    const b = (loaded.predict([idT, valT]) as tf.Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(modelFieldDims(loaded)).toEqual(fieldDims);
  });
});
