import * as tf from '@tensorflow/tfjs';

/**
 * Rows of a sparse table gathered ahead of a training step, to stand in for a {@link gatherRows} lookup
 * (see {@link withRowFeeds}).
 */
export interface RowFeed {
  /** The table tensor a layer passes to {@link gatherRows}: the value of its `LayerVariable` (`read()`). */
  readonly table: tf.Tensor;
  /** The ids the lookup uses (matched by data: the same tensor, a clone or a reshape of it). */
  readonly ids: tf.Tensor;
  /** `[...ids.shape, ...table.shape.slice(1)]`: the rows of `table` at `ids`. */
  readonly rows: tf.Tensor;
}

let activeFeeds: readonly RowFeed[] | null = null;

/**
 * Runs `fn` with `feeds` in force: inside it, `gatherRows(table, ids)` for a fed table and ids that hold the
 * feed's ids returns the feed's `rows` (reshaped to `[...ids.shape, k]`) instead of gathering. A trainer that
 * gathers the rows of a batch itself can then take the gradient with respect to those rows, `[B, W, k]`,
 * rather than one with respect to the whole `[n, k]` table; lookups that match no feed gather as usual.
 * Not re-entrant across `await`s: `fn` is synchronous.
 * @returns what `fn` returns.
 */
export function withRowFeeds<T>(feeds: readonly RowFeed[], fn: () => T): T {
  const previous = activeFeeds;
  activeFeeds = feeds;
  try {
    return fn();
  } finally {
    activeFeeds = previous;
  }
}

function fedRows(table: tf.Tensor, ids: tf.Tensor, k: number): tf.Tensor | undefined {
  if (activeFeeds === null) return undefined;
  for (const feed of activeFeeds) {
    if (feed.table !== table || feed.ids.dataId !== ids.dataId || feed.ids.size !== ids.size) continue;
    return tf.reshape(feed.rows, [...ids.shape, k]);
  }
  return undefined;
}

/**
 * Embedding lookup: the rows of `table` at `ids`, with a gradient that is efficient on every backend.
 *
 * `tf.gather`'s own gradient is `UnsortedSegmentSum`, which the wasm backend lacks and the cpu backend runs in
 * O(n) per id. Here the forward pass is `tf.gather` and the backward pass is one `tf.scatterND` of the upstream
 * gradient into a `[n, k]` zero table, which sums the contributions of duplicate ids. Inside
 * {@link withRowFeeds} a fed lookup returns the fed rows instead (no gather, no `[n, k]` gradient).
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
  const fed = fedRows(table, ids, k);
  if (fed !== undefined) return fed;
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
