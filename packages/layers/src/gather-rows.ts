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
 * `table[ids]` for a table `[n, ...]` and ids int32 `[m, 1]`, through the backend's fastest kernel: on wasm `GatherNd`
 * copies whole rows and runs about 10-17× faster than `GatherV2`, which walks every element; on cpu it is the
 * other way round (measured with tfjs 4.22, rows of 1 and 16 floats).
 * @returns `[m, ...]`. No gradient of its own (callers wrap it in `tf.customGrad`).
 * @internal
 */
export function takeRows(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  return tf.getBackend() === 'wasm' ? tf.gatherND(table, ids) : tf.gather(table, tf.reshape(ids, [-1]));
}

/**
 * Embedding lookup: the rows of `table` at `ids`, with a gradient that is efficient on every backend.
 *
 * `tf.gather`'s own gradient is `UnsortedSegmentSum`, which the wasm backend lacks and the cpu backend runs in
 * O(n) per id. Here the forward pass copies the rows (with the backend's faster gather kernel, see
 * {@link takeRows}) and the backward pass is one `tf.scatterND` of the upstream gradient into a `[n, k]` zero
 * table, which sums the contributions of duplicate ids. Inside {@link withRowFeeds} a fed lookup returns the fed
 * rows instead (no gather, no `[n, k]` gradient).
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
  const idx = tf.reshape(ids.dtype === 'int32' ? ids : tf.cast(ids, 'int32'), [-1, 1]);
  // tf.gather checks the ids; gatherND (takeRows' kernel on wasm) does not there and reads past the table
  if (tf.getBackend() === 'wasm') checkIdRange(idx, n);
  const lookup = tf.customGrad(((t: tf.Tensor, save: tf.GradSaveFunc) => {
    save([idx]);
    return {
      value: tf.reshape(takeRows(t, idx), [...ids.shape, k]),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const savedIds = saved[0] as tf.Tensor;
        const grad = Array.isArray(dy) ? (dy[0] as tf.Tensor) : dy;
        return tf.scatterND(savedIds, tf.reshape(grad, [-1, k]), [n, k]);
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
