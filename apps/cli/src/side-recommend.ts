import type * as tf from '@tensorflow/tfjs';
import { encodeInteractions, joinSideFeatures, resolveUserItemFields, type Encoder, type Frame, type SparseDataset } from '@fm/data';
import { predict, predictDistribution, type NativeModel } from '@fm/train';
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
 * vocabulary, encoded as training encoded them: with MovieLens `--features`, `encodeInteractions`
 * with the saved tables (the user's `rated` block from the training log, the items' genres; numeric
 * ids); otherwise the user/item attribute tables joined on the user and item fields.
 * @param user the user's field-local id (known to the encoder).
 * @returns the dataset `[items]` and the items' local ids in row order.
 */
export function userRows(encoder: Encoder, side: SideBundle, layout: UserItemLayout, user: number): { ds: SparseDataset; items: Int32Array } {
  const userField = encoder.fields[layout.userField]?.name ?? 'user';
  const itemField = encoder.fields[layout.itemField]?.name ?? 'item';
  const userKey = encoder.decode(userField, layout.userOffset + user) as string | number;
  const keys = encoder.vocabulary(itemField).keys;
  const n = keys.length;
  const items = Int32Array.from(keys, (k) => encoder.encode(itemField, k) - layout.itemOffset);
  if (side.features.length > 0) {
    const numeric = (k: unknown, what: string) => {
      if (typeof k !== 'number' || !Number.isInteger(k)) throw new CliError(`${what} "${String(k)}": a model with MovieLens --features recommends for numeric ids only`);
      return k;
    };
    const u = numeric(userKey, 'user');
    const raw = Int32Array.from(keys, (k) => numeric(k, 'item'));
    const { dataset } = encodeInteractions(
      { user: new Int32Array(n).fill(u), item: raw, rating: new Float32Array(n), timestamp: new Float64Array(n), length: n },
      { encoder, ...movieLensSideOptions(side) },
    );
    return { ds: dataset, items };
  }
  let frame: Frame = { length: n, columns: { [userField]: new Array<string | number>(n).fill(userKey), [itemField]: [...keys] } };
  for (const [on, table] of [[userField, side.userTable], [itemField, side.itemTable]] as const) {
    if (table) frame = joinSideFeatures(frame, on, table, { missing: 'empty' });
  }
  try {
    return { ds: encoder.transform(frame, new Float32Array(n)), items };
  } catch (e) {
    throw new CliError(`recommending needs rows of only the user, the item and their attributes: ${(e as Error).message}`);
  }
}

/**
 * Top-k items for one user of a model with side features: every item's row scored (the Bayesian
 * predictive mean for an MCMC model), `exclude` (local item ids) left out, best first.
 * @returns local item ids, raw scores (ratings or logits) and, with `std`, the predictive std.
 */
export async function recommendWithSide(
  model: tf.LayersModel | NativeModel,
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
