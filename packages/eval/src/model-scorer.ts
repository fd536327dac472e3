import * as tf from '@tensorflow/tfjs';
import type { RankingScorer } from './ranking-scorer.js';

/**
 * A model with a Keras-style `predict`, e.g. a `tf.LayersModel` of the FM family. `args.batchSize`
 * is the number of rows per forward pass (a `tf.LayersModel` runs 32 rows at a time without it).
 */
export interface PredictingModel {
  predict(x: tf.Tensor[], args?: { batchSize?: number }): tf.Tensor | tf.Tensor[];
}

/** Extra feature slots appended after the user and item slots of every scored row. */
export interface ExtraFeatures {
  /** Number of extra slots W_e per row (the same for every row, as models take `[batch, fields]`). */
  width: number;
  /**
   * Writes the extra features of the pair (user, item) into `ids[offset..offset+width)` (global
   * feature ids) and `values[offset..offset+width)`. Unused slots may be left at id 0, value 0,
   * which FM-family models ignore.
   */
  fill(user: number, item: number, ids: Int32Array, values: Float32Array, offset: number): void;
}

/** Options of {@link modelScorer}. */
export interface ModelScorerOptions {
  /** Number of items; items are dense indices `0..numItems-1`. */
  numItems: number;
  /** Global feature id (see `FieldSchema.globalId`) of a user. */
  userId(user: number): number;
  /** Global feature id of an item. */
  itemId(item: number): number;
  /** Extra features per row (side information, context); none by default. */
  extra?: ExtraFeatures;
  /**
   * What `predict` receives: `'ids+values'` (default) passes `[ids int32 [P, W], values float32 [P, W]]`;
   * `'ids'` passes `[ids]` only, for models whose inputs are one-hot ids.
   */
  inputs?: 'ids+values' | 'ids';
  /** Rows per `predict` call, default 65,536; bounds memory when scoring users × all items. */
  batchSize?: number;
}

/**
 * A scorer for any sparse-feature model (FM, FFM, DeepFM, …): each (user, item) pair becomes one
 * row of width W = 2 + extra.width, ids `[userId(u), itemId(i), …extra]` with values `[1, 1, …]`,
 * and the model's output for that row (shape `[P]` or `[P, 1]`; the first output when it has several)
 * is the score. Rows are predicted in batches of `batchSize`. The model is not owned.
 *
 * Reference: Rendle (2010), "Factorization Machines" — the user/item one-hot encoding of fig. 1.
 */
export function modelScorer(model: PredictingModel, opts: ModelScorerOptions): RankingScorer {
  const { numItems } = opts;
  if (!Number.isInteger(numItems) || numItems < 1) throw new Error(`modelScorer: numItems must be an integer ≥ 1, got ${numItems}`);
  const batchSize = opts.batchSize ?? 65_536;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`modelScorer: batchSize must be an integer ≥ 1, got ${batchSize}`);
  const extraWidth = opts.extra?.width ?? 0;
  if (!Number.isInteger(extraWidth) || extraWidth < 0) throw new Error(`modelScorer: extra.width must be an integer ≥ 0, got ${extraWidth}`);
  const width = 2 + extraWidth;
  const inputs = opts.inputs ?? 'ids+values';

  const featureId = (what: 'userId' | 'itemId', x: number): number => {
    const id = opts[what](x);
    if (!Number.isInteger(id) || id < 0) throw new Error(`modelScorer: ${what}(${x}) returned ${id}, expected a global feature id ≥ 0`);
    return id;
  };

  /** Scores `count` pairs, pair j being (userAt(j), itemAt(j)); returns `[count]`. */
  const scoreRows = (count: number, userAt: (j: number) => number, itemAt: (j: number) => number): tf.Tensor1D => {
    const userIds = new Map<number, number>();
    const itemIds = new Map<number, number>();
    const cached = (m: Map<number, number>, what: 'userId' | 'itemId', x: number): number => {
      let id = m.get(x);
      if (id === undefined) {
        if (what === 'itemId' && (!Number.isInteger(x) || x < 0 || x >= numItems)) {
          throw new Error(`modelScorer: item ${x} is outside [0, ${numItems})`);
        }
        id = featureId(what, x);
        m.set(x, id);
      }
      return id;
    };
    const parts: tf.Tensor1D[] = [];
    try {
      for (let start = 0; start < count; start += batchSize) {
        const c = Math.min(batchSize, count - start);
        const ids = new Int32Array(c * width);
        const values = new Float32Array(c * width);
        for (let r = 0; r < c; r++) {
          const u = userAt(start + r);
          const it = itemAt(start + r);
          const o = r * width;
          ids[o] = cached(userIds, 'userId', u);
          ids[o + 1] = cached(itemIds, 'itemId', it);
          values[o] = 1;
          values[o + 1] = 1;
          opts.extra?.fill(u, it, ids, values, o + 2);
        }
        parts.push(
          tf.tidy(() => {
            const idsT = tf.tensor2d(ids, [c, width], 'int32');
            const x = inputs === 'ids' ? [idsT] : [idsT, tf.tensor2d(values, [c, width])];
            // One forward pass per chunk: without batchSize a LayersModel splits the chunk into
            // 32-row passes (thousands of tiny kernels; on WebGPU/WebGL ~100× slower).
            const out = model.predict(x, { batchSize: c });
            const y = Array.isArray(out) ? out[0] : out;
            if (!y) throw new Error('modelScorer: predict returned an empty list of outputs');
            if (y.size !== c) throw new Error(`modelScorer: predict returned shape [${y.shape}] for ${c} rows, expected [${c}] or [${c}, 1]`);
            return tf.cast(y.reshape([c]), 'float32') as tf.Tensor1D;
          }),
        );
      }
      if (parts.length === 0) return tf.zeros([0]);
      if (parts.length === 1) return parts.pop() as tf.Tensor1D;
      return tf.concat(parts);
    } finally {
      for (const p of parts) p.dispose();
    }
  };

  return {
    numItems,
    scoreMatrix(users: Int32Array, items?: Int32Array): tf.Tensor2D {
      const n = items ? items.length : numItems;
      const itemAt = items ? (j: number) => items[j % n] as number : (j: number) => j % n;
      const flat = scoreRows(users.length * n, (j) => users[Math.floor(j / n)] as number, itemAt);
      const m = flat.reshape([users.length, n]) as tf.Tensor2D;
      flat.dispose();
      return m;
    },
    scorePairs(users: Int32Array, items: Int32Array): tf.Tensor1D {
      if (users.length !== items.length) throw new Error(`modelScorer.scorePairs: ${users.length} users but ${items.length} items`);
      return scoreRows(users.length, (j) => users[j] as number, (j) => items[j] as number);
    },
  };
}
