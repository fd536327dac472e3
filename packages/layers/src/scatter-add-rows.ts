import * as tf from '@tensorflow/tfjs';
import { takeRows } from './gather-rows.js';

/**
 * The transpose of {@link gatherRows}: sums the rows of `rows` into `numRows` buckets,
 * `out[j] = Σ_{i : index[i] = j} rows[i]` (empty buckets are 0), with a gradient that works on every backend.
 * Forward is one `tf.scatterND` (which adds duplicates), backward one row gather of the upstream gradient; both
 * are O(m·k), unlike a one-hot matmul (O(m·numRows·k)) or `tf.unsortedSegmentSum` (no wasm kernel).
 *
 * @param rows float32 `[m, k]`.
 * @param index int32 `[m]` bucket of each row, in `[0, numRows)`.
 * @returns `[numRows, k]`.
 */
export function scatterAddRows(rows: tf.Tensor2D, index: tf.Tensor1D, numRows: number): tf.Tensor2D {
  if (rows.rank !== 2) throw new Error(`scatterAddRows: rows must be rank 2 [m, k], got shape [${rows.shape.join(', ')}]`);
  const k = rows.shape[1];
  const idx = tf.reshape(index, [-1, 1]);
  const sum = tf.customGrad(((r: tf.Tensor, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: tf.scatterND(idx, r, [numRows, k]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => takeRows(Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy, saved[0] as tf.Tensor),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return sum(rows) as tf.Tensor2D;
}
