import * as tf from '@tensorflow/tfjs';
import { checkFieldDims, featureCount, idToFieldTable } from './field-dims.js';
import { fieldAwarePairs } from './field-aware-pairs.js';
import { gatherRows } from './gather-rows.js';
import { DEFAULT_INIT_STD, definedEntries, inputList, normalInit, type CallKwargs, type LayerArgs, idsInputShape } from './layer-args.js';

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
}

/**
 * The pairwise term of a field-aware factorization machine (Juan, Zhuang, Chin, Lin 2016, "Field-aware
 * Factorization Machines for CTR Prediction", RecSys): Σ_{i<j} ⟨v_{i,f_j}, v_{j,f_i}⟩ x_i x_j over the slots of
 * an example, where f_i is the field of slot i's id.
 *
 * Owns ONE table, the weight `'embedding'` of shape `[n, F·k]`: row i, block f (columns f·k … f·k+k−1) is
 * v_{i,f}, the factor of feature i towards field f (fused engines rely on this layout). A slot's field is
 * derived from its id through a constant id → field table.
 *
 * Input: `[ids int32 [B, W], values float32 [B, W]]`. Output: `[B, 1]`. On wasm and cpu the pairwise sum is one
 * TypeScript kernel, O(W² k) per example ({@link fieldAwarePairs}); elsewhere the field-aware factors are selected
 * with a one-hot matmul (no gather gradient needed), O(W² F k).
 */
export class FieldAwareFactorizationMachine extends tf.layers.Layer {
  static readonly className = 'FieldAwareFactorizationMachine';
  readonly fieldDims: number[];
  readonly embeddingDim: number;
  readonly initStd: number;
  readonly seed: number | undefined;
  readonly modelKind: string | undefined;
  private table: tf.LayerVariable | null = null;
  private fieldOfId: tf.Tensor1D | null = null;

  constructor(args: FieldAwareFactorizationMachineArgs) {
    super(args);
    this.fieldDims = checkFieldDims('FieldAwareFactorizationMachine', args.fieldDims);
    if (!Number.isInteger(args.embeddingDim) || args.embeddingDim <= 0) {
      throw new Error(`FieldAwareFactorizationMachine: embeddingDim must be a positive integer, got ${args.embeddingDim}`);
    }
    this.embeddingDim = args.embeddingDim;
    this.initStd = args.initStd ?? DEFAULT_INIT_STD;
    this.seed = args.seed;
    this.modelKind = args.modelKind;
  }

  override build(_inputShape: tf.Shape | tf.Shape[]): void {
    const numFields = this.fieldDims.length;
    this.table = this.addWeight(
      'embedding',
      [featureCount(this.fieldDims), numFields * this.embeddingDim],
      'float32',
      normalInit(this.initStd, this.seed),
    );
    this.fieldOfId = tf.keep(idToFieldTable(this.fieldDims));
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const [ids, values] = inputList('FieldAwareFactorizationMachine', inputs, 2, '[ids, values]') as [tf.Tensor, tf.Tensor];
      if (this.table === null || this.fieldOfId === null) {
        throw new Error(`FieldAwareFactorizationMachine '${this.name}': call before build`);
      }
      const [batch, width] = ids.shape as [number, number];
      const numFields = this.fieldDims.length;
      const k = this.embeddingDim;
      const idx = ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32');
      const rows = gatherRows(this.table.read() as tf.Tensor2D, idx);
      const fields = tf.gather(this.fieldOfId, idx);
      return fieldAwarePairs(rows, values, fields, numFields, () => {
        // e[b, i, f, :] = x_i v_{i,f}
        const e = tf.mul(tf.reshape(rows, [batch, width, numFields, k]), tf.reshape(values, [batch, width, 1, 1]));
        // oneHot[b, j, f] = [f_j = f]
        const fieldOneHot = tf.cast(tf.oneHot(fields, numFields), 'float32');
        // a[b, i, j, :] = x_i v_{i, f_j}
        const eByField = tf.reshape(tf.transpose(e, [0, 1, 3, 2]), [batch, width * k, numFields]);
        const selected = tf.matMul(eByField, fieldOneHot, false, true);
        const a = tf.transpose(tf.reshape(selected, [batch, width, k, width]), [0, 1, 3, 2]);
        // aT[b, i, j, :] = a[b, j, i, :] = x_j v_{j, f_i}
        const aT = tf.transpose(a, [0, 2, 1, 3]);
        const pairDots = tf.sum(tf.mul(a, aT), -1);
        return tf.reshape(tf.sum(tf.mul(pairDots, strictUpperMask(width)), [1, 2]), [batch, 1]);
      });
    });
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const idsShape = idsInputShape(inputShape);
    return [idsShape[0] ?? null, 1];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      fieldDims: this.fieldDims,
      embeddingDim: this.embeddingDim,
      initStd: this.initStd,
      ...definedEntries({ seed: this.seed, modelKind: this.modelKind }),
    };
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0 && this.fieldOfId !== null) {
      this.fieldOfId.dispose();
      this.fieldOfId = null;
    }
    return result;
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
