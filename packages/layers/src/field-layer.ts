import * as tf from '@tensorflow/tfjs';
import { checkFieldDims, idToFieldTable } from './field-dims.js';
import type { LayerArgs } from './layer-args.js';

/**
 * Base of the layers that derive each slot's field from its id (FFM, FieldSumPooling, FwFM, FmFM): it owns
 * `fieldDims` and the constant id → field table (a plain tensor, not a weight: it is rebuilt from `fieldDims`,
 * never saved) and frees the table when the layer is disposed.
 * @internal
 */
export abstract class FieldLayer extends tf.layers.Layer {
  readonly fieldDims: number[];
  private fieldTable: tf.Tensor1D | null = null;

  constructor(owner: string, args: LayerArgs & { fieldDims: number[] }) {
    super(args);
    this.fieldDims = checkFieldDims(owner, args.fieldDims);
  }

  /** F, the number of fields. */
  get numFields(): number {
    return this.fieldDims.length;
  }

  /**
   * The one-hot field matrix O of a batch: `O[b, i, f] = 1` when slot i's id belongs to field f (no gradient
   * is needed through the integer ids).
   * @param ids `[B, W]`. @returns float32 `[B, W, F]`.
   */
  protected fieldOneHot(ids: tf.Tensor): tf.Tensor3D {
    if (this.fieldTable === null) this.fieldTable = tf.keep(idToFieldTable(this.fieldDims));
    const idx = ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32');
    return tf.cast(tf.oneHot(tf.gather(this.fieldTable, idx), this.numFields), 'float32') as tf.Tensor3D;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), fieldDims: this.fieldDims };
  }

  override dispose(): ReturnType<tf.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0 && this.fieldTable !== null) {
      this.fieldTable.dispose();
      this.fieldTable = null;
    }
    return result;
  }
}

/**
 * Sums slot rows per field: `S[b, f, :] = Σ_{i : field(i) = f} x[b, i, :]`, one batched matmul Oᵀ x.
 * @param oneHot `[B, W, F]` (see {@link FieldLayer}). @param x `[B, W, k]`. @returns `[B, F, k]`.
 * @internal
 */
export function sumByField(oneHot: tf.Tensor3D, x: tf.Tensor): tf.Tensor3D {
  return tf.matMul(oneHot, x as tf.Tensor3D, true, false);
}
