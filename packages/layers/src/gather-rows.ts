import * as tf from '@tensorflow/tfjs';

/**
 * Embedding lookup: the rows of `table` at `ids`, with a gradient that is efficient on every backend.
 *
 * `tf.gather`'s own gradient is `UnsortedSegmentSum`, which the wasm backend lacks and the cpu backend runs in
 * O(n) per id. Here the forward pass is `tf.gather` and the backward pass is one `tf.scatterND` of the upstream
 * gradient into a `[n, k]` zero table, which sums the contributions of duplicate ids.
 *
 * @param table `[n, k]` float32 (typically a `LayerVariable`'s value).
 * @param ids int32 (or integral float) ids in `[0, n)`, any shape `S`.
 * @returns `[...S, k]`.
 */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor): tf.Tensor {
  if (table.rank !== 2) {
    throw new Error(`gatherRows: table must be rank 2 [n, k], got shape [${table.shape.join(', ')}]`);
  }
  const [n, k] = table.shape;
  const idx = ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32');
  const lookup = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: tf.gather(t, idx),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const savedIds = saved[0] as tf.Tensor;
        const grad = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
        return tf.scatterND(tf.reshape(savedIds, [-1, 1]), tf.reshape(grad, [-1, k]), [n, k]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return lookup(table);
}
