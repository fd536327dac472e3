import * as tf from '@tensorflow/tfjs';

/**
 * A `[B, numItems]` float32 0/1 mask, 1 at (r, i) for every item i in `lists[r]`, built on the
 * backend with `tf.scatterND` from the (row, item) pairs. Each list must hold distinct items (a
 * Set), as scatterND sums duplicates. Call inside `tf.tidy`.
 * @internal
 */
export function userMask(lists: readonly ReadonlySet<number>[], numItems: number): tf.Tensor2D {
  const pairs: number[] = [];
  lists.forEach((items, r) => {
    for (const i of items) pairs.push(r, i);
  });
  const shape: [number, number] = [lists.length, numItems];
  if (pairs.length === 0) return tf.zeros(shape);
  const n = pairs.length / 2;
  return tf.scatterND(tf.tensor2d(pairs, [n, 2], 'int32'), tf.ones([n]), shape) as tf.Tensor2D;
}
