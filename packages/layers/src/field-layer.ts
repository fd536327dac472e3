import * as tf from '@tensorflow/tfjs';
import { checkFieldDims, idToFieldTable } from './field-dims.js';
import { takeRows } from './gather-rows.js';
import type { LayerArgs } from './layer-args.js';
import { scatterAddRows } from './scatter-add-rows.js';

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
   * The field of each slot's id (no gradient is needed through the integer ids).
   * @param ids `[B, W]`. @returns int32 `[B, W]`.
   */
  protected slotFields(ids: tf.Tensor): tf.Tensor2D {
    if (this.fieldTable === null) this.fieldTable = tf.keep(idToFieldTable(this.fieldDims));
    const idx = ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32');
    const fields: tf.Tensor = takeRows(this.fieldTable, tf.reshape(idx, [-1, 1]));
    const shaped: tf.Tensor = tf.reshape(fields, ids.shape);
    return shaped as tf.Tensor2D;
  }

  /**
   * The one-hot field matrix O of a batch: `O[b, i, f] = 1` when slot i's id belongs to field f.
   * @param ids `[B, W]`. @returns float32 `[B, W, F]`.
   */
  protected fieldOneHot(ids: tf.Tensor): tf.Tensor3D {
    return tf.cast(tf.oneHot(this.slotFields(ids), this.numFields), 'float32') as tf.Tensor3D;
  }

  /**
   * Sums slot rows per field: `S[b, f, :] = Σ_{i : field(i) = f} x[b, i, :]` (0 for a field with no slot), as
   * one {@link scatterAddRows} into B·F buckets: O(W·k) per example, gradient included.
   * @param ids `[B, W]`. @param x `[B, W, k]`. @returns `[B, F, k]`.
   */
  protected sumByField(ids: tf.Tensor, x: tf.Tensor): tf.Tensor3D {
    const [batch, width] = ids.shape as [number, number];
    const k = x.shape[2] as number;
    const F = this.numFields;
    const bucket = addRowOffsets(this.slotFields(ids), F);
    const sums = scatterAddRows(tf.reshape(x, [batch * width, k]) as tf.Tensor2D, tf.reshape(bucket, [-1]) as tf.Tensor1D, batch * F);
    return tf.reshape(sums, [batch, F, k]) as tf.Tensor3D;
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
 * `x[b, i] + b·stride` for int32 `x` `[B, W]`: the flat index of entry x[b, i] in a `[B, stride]` tensor.
 * Computed in float32 when exact (< 2²⁴): the wasm backend broadcasts int32 additions about 15× slower.
 * @internal
 */
export function addRowOffsets(x: tf.Tensor2D, stride: number): tf.Tensor2D {
  const batch = x.shape[0];
  if (batch * stride >= 2 ** 24) return tf.add(x, tf.reshape(tf.range(0, batch * stride, stride, 'int32'), [batch, 1])) as tf.Tensor2D;
  const offsets = tf.reshape(tf.range(0, batch * stride, stride, 'float32'), [batch, 1]);
  return tf.cast(tf.add(tf.cast(x, 'float32'), offsets), 'int32') as tf.Tensor2D;
}
