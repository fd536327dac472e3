import type * as tf from '@tensorflow/tfjs';
import { encodeInteractions, resolveUserItemFields, type Encoder, type SparseDataset } from '@fm/data';
import { predict, predictDistribution } from '@fm/train';
import { CliError } from './errors.js';
import type { UserItemLayout } from './ranking.js';
import { movieLensSideOptions, type SideBundle } from './side-features.js';

/** The user and item fields of a model with side features (extra fields allowed). */
export function sideLayout(schema: Parameters<typeof resolveUserItemFields>[0], where: string): UserItemLayout {
  try {
    return resolveUserItemFields(schema);
  } catch (e) {
    throw new CliError(`${where}: recommending needs a user and an item field: ${(e as Error).message}`);
  }
}

/**
 * The rows (user, item, side features of both) of one user with every item of the model's
 * vocabulary, encoded as training encoded them (`encodeInteractions` with the saved side features:
 * the user's `rated` block from the training log, the items' genres, attribute tables). Raw ids must
 * be numbers (MovieLens-style logs).
 * @returns the dataset `[items]` and the items' local ids in row order.
 */
export function userRows(encoder: Encoder, side: SideBundle, layout: UserItemLayout, rawUser: string): { ds: SparseDataset; items: Int32Array } {
  const u = Number(rawUser);
  if (!Number.isInteger(u)) throw new CliError(`user ${rawUser}: a model with side features recommends for numeric user ids only`);
  const keys = encoder.vocabulary('item').keys;
  const raw = Int32Array.from(keys, (k) => {
    if (typeof k !== 'number' || !Number.isInteger(k)) throw new CliError(`item "${String(k)}": a model with side features recommends numeric item ids only`);
    return k;
  });
  const n = raw.length;
  const { dataset } = encodeInteractions(
    { user: new Int32Array(n).fill(u), item: raw, rating: new Float32Array(n), timestamp: new Float64Array(n), length: n },
    { encoder, ...movieLensSideOptions(side) },
  );
  const items = Int32Array.from(raw, (k) => encoder.encode('item', k) - layout.itemOffset);
  return { ds: dataset, items };
}

/**
 * Top-k items for one user of a model with side features: every item's row scored (the Bayesian
 * predictive mean for an MCMC model), `exclude` (local item ids) left out, best first.
 * @returns local item ids, raw scores (ratings or logits) and, with `std`, the predictive std.
 */
export async function recommendWithSide(
  model: tf.LayersModel,
  rows: { ds: SparseDataset; items: Int32Array },
  k: number,
  exclude: Set<number>,
  std: boolean,
): Promise<{ items: Int32Array; scores: Float32Array; std?: Float32Array }> {
  const scores = await predict(model, rows.ds);
  const order = Array.from(rows.items.keys())
    .filter((r) => !exclude.has(rows.items[r] as number))
    .sort((a, b) => (scores[b] as number) - (scores[a] as number) || (rows.items[a] as number) - (rows.items[b] as number))
    .slice(0, k);
  const out = { items: Int32Array.from(order, (r) => rows.items[r] as number), scores: Float32Array.from(order, (r) => scores[r] as number) };
  if (!std) return out;
  const d = predictDistribution(model, rows.ds.select(Int32Array.from(order)));
  return { ...out, std: d.std };
}
