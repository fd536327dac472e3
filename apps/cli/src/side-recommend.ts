import type * as tf from '@tensorflow/tfjs';
import {
  encodeInteractions,
  INTERACTION_FEATURE_SIDE,
  joinSideFeatures,
  resolveUserItemFields,
  sideFeatureFields,
  type Encoder,
  type FieldSchema,
  type Frame,
  type SparseDataset,
} from '@fm/data';
import type { RankingScorer } from '@fm/eval';
import { bayesOf, isNativeModel, predict, predictDistribution, rankingScorer, type NativeModel, type SideFeatures } from '@fm/train';
import { CliError } from './errors.js';
import { userItemLayout, type UserItemLayout } from './ranking.js';
import { movieLensSideOptions, type SideBundle } from './side-features.js';

/** The user and item fields of a model with side features (extra fields allowed). */
export function sideLayout(schema: Parameters<typeof resolveUserItemFields>[0], where: string): UserItemLayout {
  try {
    return resolveUserItemFields(schema);
  } catch (e) {
    throw new CliError(`${where}: recommending needs a user and an item field: ${(e as Error).message}`);
  }
}

/** A loaded model's side features and the encoder that encodes them; undefined for a model of ids only. */
export function modelSide(bundle: { side?: SideBundle; encoder?: Encoder }): { side: SideBundle; encoder: Encoder } | undefined {
  return bundle.side && bundle.encoder ? { side: bundle.side, encoder: bundle.encoder } : undefined;
}

/**
 * A loaded model's user and item fields: with side features {@link sideLayout} (extra fields allowed), else
 * `userItemLayout` (the two fields only). Throws naming `where`.
 */
export function modelLayout(bundle: { side?: SideBundle; encoder?: Encoder; schema: FieldSchema }, where: string): UserItemLayout {
  return modelSide(bundle) ? sideLayout(bundle.schema, where) : userItemLayout(bundle.schema, where);
}

/** {@link sideLayout}, or undefined where the schema has no user and item fields. */
export function trySideLayout(schema: Parameters<typeof resolveUserItemFields>[0]): UserItemLayout | undefined {
  try {
    return resolveUserItemFields(schema);
  } catch {
    return undefined;
  }
}

/**
 * Rows (user, item, side features of both) of aligned (user, item) pairs, encoded as training encoded them: with
 * MovieLens `--features`, `encodeInteractions` with the saved tables (the user's `rated` block from the training
 * log, the items' genres; numeric ids); otherwise the user/item attribute tables joined on the user and item fields.
 * @param users `[n]` field-local user ids (known to the encoder).
 * @param items `[n]` field-local item ids.
 * @returns the dataset `[n]`, row r for (users[r], items[r]).
 */
export function pairRows(encoder: Encoder, side: SideBundle, layout: UserItemLayout, users: Int32Array, items: Int32Array): SparseDataset {
  const userField = encoder.fields[layout.userField]?.name ?? 'user';
  const itemField = encoder.fields[layout.itemField]?.name ?? 'item';
  const n = users.length;
  const userKeys = Array.from(users, (u) => encoder.decode(userField, layout.userOffset + u) as string | number);
  const itemKeys = Array.from(items, (i) => encoder.decode(itemField, layout.itemOffset + i) as string | number);
  if (side.features.length > 0) {
    const numeric = (k: unknown, what: string) => {
      if (typeof k !== 'number' || !Number.isInteger(k)) throw new CliError(`${what} "${String(k)}": a model with MovieLens --features recommends for numeric ids only`);
      return k;
    };
    const { dataset } = encodeInteractions(
      { user: Int32Array.from(userKeys, (k) => numeric(k, 'user')), item: Int32Array.from(itemKeys, (k) => numeric(k, 'item')), rating: new Float32Array(n), timestamp: new Float64Array(n), length: n },
      { encoder, ...movieLensSideOptions(side) },
    );
    return dataset;
  }
  let frame: Frame = { length: n, columns: { [userField]: userKeys, [itemField]: itemKeys } };
  for (const [on, table] of [[userField, side.userTable], [itemField, side.itemTable]] as const) {
    if (table) frame = joinSideFeatures(frame, on, table, { missing: 'empty' });
  }
  try {
    return encoder.transform(frame, new Float32Array(n));
  } catch (e) {
    throw new CliError(`recommending needs rows of only the user, the item and their attributes: ${(e as Error).message}`);
  }
}

/**
 * The rows of one user with every item of the model's vocabulary (or the items `only`), as {@link pairRows}.
 * @param user the user's field-local id (known to the encoder).
 * @returns the dataset `[items]` and the items' local ids in row order.
 */
export function userRows(encoder: Encoder, side: SideBundle, layout: UserItemLayout, user: number, only?: Int32Array): { ds: SparseDataset; items: Int32Array } {
  const itemField = encoder.fields[layout.itemField]?.name ?? 'item';
  const items = only ?? Int32Array.from(encoder.vocabulary(itemField).keys, (k) => encoder.encode(itemField, k) - layout.itemOffset);
  return { ds: pairRows(encoder, side, layout, new Int32Array(items.length).fill(user), items), items };
}

/** Users (items) whose parts one call of {@link sideParts}' `userFeatures` (`itemFeatures`) encodes at once. */
const PART_CHUNK = 1024;

/**
 * A side-feature model's rows split into a user part and an item part, for `rankingScorer`: a user's features are
 * its own fields' entries (demographics, `rated`, the `--user-features` columns), an item's those of the item's
 * (genres, `raters`, the `--item-features` columns), read off rows encoded by {@link pairRows}; the row of (u, i) is
 * then u's id and part plus i's id and part. Parts are encoded 1,024 users (items) at a time as they are asked for,
 * each against the first item (user), so memory stays bounded by a chunk of rows whatever the catalogue.
 */
export function sideParts(
  encoder: Encoder,
  side: SideBundle,
  layout: UserItemLayout,
): { userFeatures: (u: number) => SideFeatures; itemFeatures: (i: number) => SideFeatures } {
  const names = (t: SideBundle['userTable']) => (t ? sideFeatureFields(t).map((f) => f.name) : []);
  const userNames = new Set([...side.features.filter((f) => INTERACTION_FEATURE_SIDE[f] === 'user'), ...names(side.userTable)]);
  const itemNames = new Set([...side.features.filter((f) => INTERACTION_FEATURE_SIDE[f] === 'item'), ...names(side.itemTable)]);
  const sideOf = encoder.fields.map((f, j) => (j === layout.userField || j === layout.itemField ? undefined : userNames.has(f.name) ? 'user' : itemNames.has(f.name) ? 'item' : 'neither'));
  const odd = encoder.fields.filter((_, j) => sideOf[j] === 'neither').map((f) => f.name);
  if (odd.length > 0) throw new CliError(`recommending needs rows of only the user, the item and their attributes; field(s) ${odd.join(', ')} belong to neither`);
  // local id 0 is each field's out-of-vocabulary bucket: the first user and item are 1
  if (layout.numUsers < 2 || layout.numItems < 2) throw new CliError('recommending needs a model that knows at least one user and one item');
  const none: SideFeatures = { ids: [], values: [] };
  /** The parts of `which` side, encoded a chunk at a time against the other side's first id. */
  const chunked = (which: 'user' | 'item', n: number) => {
    const cache = new Map<number, SideFeatures>();
    return (x: number): SideFeatures => {
      const got = cache.get(x);
      if (got !== undefined) return got;
      if (!(x >= 1 && x < n)) return none; // the out-of-vocabulary bucket has no attributes
      const from = Math.max(1, x - (x % PART_CHUNK));
      const ids = Int32Array.from({ length: Math.min(PART_CHUNK, n - from) }, (_, j) => from + j);
      const other = new Int32Array(ids.length).fill(1);
      const ds = which === 'user' ? pairRows(encoder, side, layout, ids, other) : pairRows(encoder, side, layout, other, ids);
      ids.forEach((y, r) => {
        const partIds: number[] = [];
        const values: number[] = [];
        for (let p = ds.offsets[r] as number; p < (ds.offsets[r + 1] as number); p++) {
          if (sideOf[ds.fields[p] as number] !== which) continue;
          partIds.push(ds.ids[p] as number);
          values.push(ds.values[p] as number);
        }
        cache.set(y, { ids: partIds, values });
      });
      return cache.get(x) ?? none;
    };
  };
  return { userFeatures: chunked('user', layout.numUsers), itemFeatures: chunked('item', layout.numItems) };
}

/**
 * A ranking scorer over (user, item) local ids of a side-feature model that the native kernels or the Bayesian
 * solver score (`rankingScorer` with {@link sideParts}): the catalogue for a user in one pass instead of a row per
 * item through `predict`. Undefined for tfjs models, which read a row's slots by position: they score full rows.
 */
export function sideScorer(model: tf.LayersModel | NativeModel, encoder: Encoder, side: SideBundle, layout: UserItemLayout): RankingScorer | undefined {
  if (!isNativeModel(model) && bayesOf(model) === undefined) return undefined;
  return rankingScorer(model, { fields: layout, ...sideParts(encoder, side, layout) });
}

/**
 * Every item's latent vector in a side-feature model: the sum of its part's factors, S_i = Σ_j v_j x_j over the item
 * id and its attributes (genres, `raters`, `--item-features` columns; {@link sideParts}), the vector the FM score pairs
 * with the user's part (for FFM the blocks towards the user field). What `fm similar` compares for such a model.
 * @param factorsOf one field's factor rows `[fieldDims[field], k]` (FFM: the block towards the user field).
 * @returns `[numItems · k]` row-major, and k.
 */
export function itemPartFactors(
  schema: FieldSchema,
  layout: UserItemLayout,
  itemFeatures: (i: number) => SideFeatures,
  factorsOf: (field: number) => { values: Float32Array; k: number },
): { values: Float32Array; k: number } {
  const tables = new Map<number, { values: Float32Array; k: number }>();
  const tableOf = (f: number) => {
    let t = tables.get(f);
    if (!t) tables.set(f, (t = factorsOf(f)));
    return t;
  };
  const ids = tableOf(layout.itemField);
  const k = ids.k;
  const n = layout.numItems;
  const out = ids.values.slice(0, n * k);
  for (let i = 0; i < n; i++) {
    const part = itemFeatures(i);
    for (let j = 0; j < part.ids.length; j++) {
      const g = part.ids[j] as number;
      const x = part.values[j] as number;
      const f = schema.fieldOf(g);
      const t = tableOf(f);
      const at = (g - (schema.offsets[f] as number)) * k;
      for (let c = 0; c < k; c++) out[i * k + c] = (out[i * k + c] as number) + x * (t.values[at + c] as number);
    }
  }
  return { values: out, k };
}

/**
 * Top-k items for one user of a model with side features that {@link sideScorer} cannot score: every item's row
 * scored through `predict`, `exclude` (local item ids) left out, best first.
 * @returns local item ids and raw scores (ratings or logits).
 */
export async function recommendWithSide(
  model: tf.LayersModel | NativeModel,
  rows: { ds: SparseDataset; items: Int32Array },
  k: number,
  exclude: Set<number>,
): Promise<{ items: Int32Array; scores: Float32Array }> {
  const scores = await predict(model, rows.ds);
  const order = Array.from(rows.items.keys())
    .filter((r) => !exclude.has(rows.items[r] as number))
    .sort((a, b) => (scores[b] as number) - (scores[a] as number) || (rows.items[a] as number) - (rows.items[b] as number))
    .slice(0, k);
  return { items: Int32Array.from(order, (r) => rows.items[r] as number), scores: Float32Array.from(order, (r) => scores[r] as number) };
}

/** The predictive std of a Bayesian side-feature model's scores of `user` with `items` (their full rows). */
export function sideStd(model: tf.LayersModel | NativeModel, encoder: Encoder, side: SideBundle, layout: UserItemLayout, user: number, items: Int32Array): Float32Array {
  return predictDistribution(model, userRows(encoder, side, layout, user, items).ds).std;
}
