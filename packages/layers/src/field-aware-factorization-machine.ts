import * as tf from '@tensorflow/tfjs';
import { featureCount } from './field-dims.js';
import { fieldAwarePairs } from './field-aware-pairs.js';
import { FieldLayer } from './field-layer.js';
import { gatherRows } from './gather-rows.js';
import { DEFAULT_INIT_STD, definedEntries, inputList, normalInit, type CallKwargs, type LayerArgs, idsInputShape } from './layer-args.js';
import { plainMatMul, transposeLast } from './fast-ops.js';

/** Options of {@link FieldAwareFactorizationMachine}. */
export interface FieldAwareFactorizationMachineArgs extends LayerArgs {
  /** Cardinality of each field (F = fieldDims.length fields, n = Σ fieldDims features). */
  fieldDims: number[];
  /** Latent dimension k of each field-aware factor. */
  embeddingDim: number;
  /** Standard deviation of the N(0, σ²) initialiser. Default 0.01. */
  initStd?: number;
  /** Seed of the initialiser. Default: random. */
  seed?: number;
  /** The model family this layer belongs to, kept in the config for {@link modelKind}. */
  modelKind?: string;
  /**
   * Instance-wise normalisation (libffm's default): scale each example's pair term by r = 1/Σ_i x_i²,
   * i.e. use x/‖x‖ in the pair products. Default false here; `createModel('ffm')` turns it on.
   */
  normalize?: boolean;
}

/**
 * The pairwise term of a field-aware factorization machine (Juan, Zhuang, Chin, Lin 2016, "Field-aware
 * Factorization Machines for CTR Prediction", RecSys): Σ_{i<j} ⟨v_{i,f_j}, v_{j,f_i}⟩ x_i x_j over the slots of
 * an example, where f_i is the field of slot i's id.
 *
 * Owns ONE table, the weight `'embedding'` of shape `[n, F·k]`: row i, block f (columns f·k … f·k+k−1) is
 * v_{i,f}, the factor of feature i towards field f (the native engine relies on this layout). A slot's field is
 * derived from its id through a constant id → field table.
 *
 * With `normalize`, the sum is multiplied by r = 1/Σ_i x_i² per example (1 when every x is 0), as libffm does.
 *
 * Input: `[ids int32 [B, W], values float32 [B, W]]`. Output: `[B, 1]`. On wasm and cpu the pairwise sum is one
 * TypeScript kernel, O(W² k) per example ({@link fieldAwarePairs}); elsewhere the field-aware factors are selected
 * with a one-hot matmul (no gather gradient needed), O(W² F k).
 */
export class FieldAwareFactorizationMachine extends FieldLayer {
  static readonly className = 'FieldAwareFactorizationMachine';
  readonly embeddingDim: number;
  readonly initStd: number;
  readonly seed: number | undefined;
  readonly modelKind: string | undefined;
  readonly normalize: boolean;
  private table: tf.LayerVariable | null = null;

  constructor(args: FieldAwareFactorizationMachineArgs) {
    super('FieldAwareFactorizationMachine', args);
    if (!Number.isInteger(args.embeddingDim) || args.embeddingDim <= 0) {
      throw new Error(`FieldAwareFactorizationMachine: embeddingDim must be a positive integer, got ${args.embeddingDim}`);
    }
    this.embeddingDim = args.embeddingDim;
    this.initStd = args.initStd ?? DEFAULT_INIT_STD;
    this.seed = args.seed;
    this.modelKind = args.modelKind;
    this.normalize = args.normalize ?? false;
  }

  override build(_inputShape: tf.Shape | tf.Shape[]): void {
    const numFields = this.fieldDims.length;
    this.table = this.addWeight(
      'embedding',
      [featureCount(this.fieldDims), numFields * this.embeddingDim],
      'float32',
      normalInit(this.initStd, this.seed),
    );
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, values] = inputList('FieldAwareFactorizationMachine', inputs, 2, '[ids, values]') as [tf.Tensor, tf.Tensor];
      if (this.table === null) throw new Error(`FieldAwareFactorizationMachine '${this.name}': call before build`);
      const [batch, width] = ids.shape as [number, number];
      const numFields = this.fieldDims.length;
      const k = this.embeddingDim;
      const idx = ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32');
      // e[b, i, f, :] = x_i v_{i,f}
      const rows = gatherRows(this.table.read() as tf.Tensor2D, idx);
      const fields = this.slotFields(idx);
      const pairs = fieldAwarePairs(rows, values, fields, numFields, () => {
        // e[b, i, f, :] = x_i v_{i,f}
        const e = tf.mul(tf.reshape(rows, [batch, width, numFields, k]), tf.reshape(values, [batch, width, 1, 1]));
        // oneHot[b, j, f] = [f_j = f]
        const fieldOneHot = tf.cast(tf.oneHot(fields, numFields), 'float32');
        // a[b, i, j, :] = x_i v_{i, f_j}
        const eByField = tf.reshape(tf.transpose(e, [0, 1, 3, 2]), [batch, width * k, numFields]);
        const selected = plainMatMul(eByField, transposeLast(fieldOneHot));
        const a = tf.transpose(tf.reshape(selected, [batch, width, k, width]), [0, 1, 3, 2]);
        // aT[b, i, j, :] = a[b, j, i, :] = x_j v_{j, f_i}
        const aT = tf.transpose(a, [0, 2, 1, 3]);
        const pairDots = tf.sum(tf.mul(a, aT), -1);
        return tf.reshape(tf.sum(tf.mul(pairDots, strictUpperMask(width)), [1, 2]), [batch, 1]);
      });
      if (!this.normalize) return pairs;
      const sq = tf.sum(tf.square(values), 1, true);
      return tf.mul(pairs, tf.where(tf.greater(sq, 0), tf.reciprocal(tf.maximum(sq, 1e-30)), tf.onesLike(sq)));
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const idsShape = idsInputShape(inputShape);
    return [idsShape[0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      embeddingDim: this.embeddingDim,
      initStd: this.initStd,
      normalize: this.normalize,
      ...definedEntries({ seed: this.seed, modelKind: this.modelKind }),
    };
  }
}
tf.serialization.registerClass(FieldAwareFactorizationMachine);

/** `[W, W]` float32 with 1 where i < j. */
function strictUpperMask(width: number): tf.Tensor2D {
  const mask = new Float32Array(width * width);
  for (let i = 0; i < width; i++) for (let j = i + 1; j < width; j++) mask[i * width + j] = 1;
  return tf.tensor2d(mask, [width, width]);
}

/** Creates a {@link FieldAwareFactorizationMachine} layer. */
export function fieldAwareFactorizationMachine(args: FieldAwareFactorizationMachineArgs): FieldAwareFactorizationMachine {
  return new FieldAwareFactorizationMachine(args);
}
