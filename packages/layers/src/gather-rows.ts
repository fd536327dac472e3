import * as tf from '@tensorflow/tfjs';

/**
 * Embedding lookup: the rows of `table` at `ids`, with a gradient that is efficient on every backend.
 *
 * `tf.gather`'s own gradient is `UnsortedSegmentSum`, which the wasm backend lacks and the cpu backend runs in
 * O(n) per id. Here the forward pass is `tf.gatherND` (the same rows; on wasm about 10× faster than `tf.gather`,
 * whose kernel dominated FM's training step there) and the backward pass is one `tf.scatterND` of the upstream
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
  // tf.gather checked the ids on wasm; gatherND does not there (it reads past the table), cpu's checks itself
  if (tf.getBackend() === 'wasm') checkIdRange(idx, n);
  const lookup = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      // gatherND of [...S, 1] row indices: the same rows as tf.gather, ~10× faster on tfjs-wasm (4.22)
      value: tf.gatherND(t, tf.expandDims(idx, -1)),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const savedIds = saved[0] as tf.Tensor;
        const grad = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
        return tf.scatterND(tf.reshape(savedIds, [-1, 1]), tf.reshape(grad, [-1, k]), [n, k]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return lookup(table);
}

/** Throws when an id is outside [0, n), as tf.gather does. */
function checkIdRange(ids: tf.Tensor, n: number): void {
  const values = ids.dataSync();
  for (let i = 0; i < values.length; i++) {
    const id = values[i] as number;
    if (!(id >= 0 && id < n)) throw new Error(`gatherRows: id ${id} is out of range [0, ${n}) of the table`);
  }
}
