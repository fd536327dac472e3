import * as tf from '@tensorflow/tfjs';
import { itemFactors } from '@fm/layers';
import { recommend, similarItems } from '@fm/eval';
import { predict } from '@fm/train';
import { catalogScorer } from './metrics.js';
import type { Catalog, PreparedData } from './prepare.js';

/** One row of the "rated by the user" table. */
export interface RatedRow {
  item: number;
  name: string;
  rating: number;
  predicted: number;
  /** True when the rating was held out of training. */
  heldOut: boolean;
}

/** A recommended or similar item with its score. */
export interface ScoredItem {
  item: number;
  name: string;
  score: number;
}

function requireCatalog(p: PreparedData): Catalog {
  if (!p.catalog) throw new Error(`${p.name} has no user and item fields to explore`);
  return p.catalog;
}

/**
 * The top-`k` items the user has not rated (in train or test), by predicted score (@fm/eval
 * `recommend`, top-k on the backend with the rated items masked), and the items they rated with the
 * real and predicted ratings. Candidates are scored from the user and item features alone (rows of
 * data with more fields, like the toy table's context, leave those slots empty); rated items are
 * predicted from their real rows, every feature included.
 */
export async function recommendationsFor(
  model: tf.LayersModel,
  prepared: PreparedData,
  user: number,
  k = 10,
): Promise<{ recommended: ScoredItem[]; rated: RatedRow[] }> {
  const c = requireCatalog(prepared);
  if (!Number.isInteger(user) || user < 0 || user >= c.numUsers) throw new Error(`user ${user} is outside [0, ${c.numUsers})`);
  const scorer = catalogScorer(model, prepared, c);
  const seen = c.seen[user] ?? new Int32Array(0);
  const kk = Math.min(k, c.numItems - seen.length);
  const recommended: ScoredItem[] = [];
  if (kk > 0) {
    const r = await recommend(scorer, user, kk, { exclude: seen });
    r.items.forEach((it, j) => recommended.push({ item: it, name: c.itemNames[it] ?? `#${it}`, score: r.scores[j] as number }));
  }
  const rated: RatedRow[] = [];
  const labels = prepared.dataset.labels;
  const rows: number[] = [];
  for (let r = 0; r < c.rowUser.length; r++) if (c.rowUser[r] === user && (c.rowItem[r] as number) >= 0) rows.push(r);
  if (rows.length > 0) {
    // The real rows, with all their features (context fields included), not just (user, item).
    const pred = await predict(model, prepared.dataset.select(rows), { batchSize: 4096 });
    rows.forEach((r, j) => {
      const it = c.rowItem[r] as number;
      rated.push({ item: it, name: c.itemNames[it] ?? `#${it}`, rating: labels[r] as number, predicted: pred[j] as number, heldOut: prepared.isTest[r] === 1 });
    });
    rated.sort((a, b) => b.rating - a.rating || b.predicted - a.predicted);
  }
  return { recommended, rated };
}

/**
 * The catalog's item factor rows `[numItems, k]` (dense item order), from @fm/layers `itemFactors`
 * (the factor table's rows of the item field). The caller disposes the tensor.
 */
export function catalogItemFactors(model: tf.LayersModel, prepared: PreparedData): tf.Tensor2D {
  const c = requireCatalog(prepared);
  const offset = prepared.dataset.schema.offsets[c.itemField] as number;
  return tf.tidy(() => {
    const table = itemFactors(model, c.itemField) as tf.Tensor2D;
    const local = tf.tensor1d(Int32Array.from(c.itemIds, (g) => g - offset), 'int32');
    return tf.gather(table, local) as tf.Tensor2D;
  });
}

/** The `k` items most similar to `item` by cosine similarity of their factor vectors (@fm/eval `similarItems`). */
export async function similarTo(model: tf.LayersModel, prepared: PreparedData, item: number, k = 10): Promise<ScoredItem[]> {
  const c = requireCatalog(prepared);
  if (!Number.isInteger(item) || item < 0 || item >= c.numItems) throw new Error(`item ${item} is outside [0, ${c.numItems})`);
  const factors = catalogItemFactors(model, prepared);
  try {
    const r = await similarItems(factors, item, Math.min(k, c.numItems - 1), { metric: 'cosine' });
    return Array.from(r.items, (it, j) => ({ item: it, name: c.itemNames[it] ?? `#${it}`, score: r.scores[j] as number }));
  } finally {
    factors.dispose();
  }
}
