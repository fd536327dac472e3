import { Encoder, type FieldConfig } from './encoder.js';
import type { Column, Frame, MultiHotColumn } from './frame.js';
import type { Interactions, ItemInfo, UserInfo } from './interactions.js';
import { joinSideFeatures, sideFeatureFields, type MissingSideFeatures, type SideFeatures } from './side-features.js';
import type { SparseDataset } from './sparse-dataset.js';
import { groupByKey } from './group-by-key.js';
import { IntIndex } from './int-index.js';

/**
 * Extra fields {@link encodeInteractions} can add after `user` and `item`: the item's `genres`,
 * the user's `age`, `gender`, `occupation`, `rated`, every item the user rated (implicit
 * feedback, the FM paper's "other movies rated" block), and `raters`, every user who rated the
 * item (the item-side counterpart).
 */
export type InteractionFeature = 'genres' | 'age' | 'gender' | 'occupation' | 'rated' | 'raters';

/** Every {@link InteractionFeature}, in the order the names are documented. */
export const INTERACTION_FEATURES: readonly InteractionFeature[] = ['genres', 'age', 'gender', 'occupation', 'rated', 'raters'];

/**
 * The side of a (user, item) row each {@link InteractionFeature} describes: `genres` and `raters` the item's, the
 * others the user's. A row's user part (its user id and user-side fields) is the same on every row of that user,
 * its item part on every row of that item: what ranking scorers split rows by.
 */
export const INTERACTION_FEATURE_SIDE: Readonly<Record<InteractionFeature, 'user' | 'item'>> = {
  genres: 'item',
  age: 'user',
  gender: 'user',
  occupation: 'user',
  rated: 'user',
  raters: 'item',
};

/**
 * Parses a comma-separated feature list such as `"genres,age,gender,occupation,rated"` (the CLI's
 * `--features`); throws naming an unknown or repeated name and the valid ones.
 */
export function parseInteractionFeatures(text: string): InteractionFeature[] {
  const out: InteractionFeature[] = [];
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '') continue;
    if (!(INTERACTION_FEATURES as readonly string[]).includes(name)) {
      throw new Error(`unknown feature "${name}", expected a comma-separated list of ${INTERACTION_FEATURES.join(', ')}`);
    }
    if (out.includes(name as InteractionFeature)) throw new Error(`feature "${name}" is listed twice`);
    out.push(name as InteractionFeature);
  }
  return out;
}

/** Options of {@link encodeInteractions}. */
export interface EncodeInteractionsOptions {
  /** A fitted encoder to reuse (for a test set); its field names must match the requested features. */
  encoder?: Encoder;
  /** Item side information, required for `genres`. */
  items?: Map<number, ItemInfo>;
  /** User side information, required for `age`, `gender`, `occupation`. */
  users?: Map<number, UserInfo>;
  /** Extra fields, added in this order after `user` and `item` (default none). */
  features?: InteractionFeature[];
  /** Minimum count for a key to get its own id when fitting (default 1); rarer keys go to OOV. */
  minCount?: number;
  /**
   * The log whose per-user item sets fill `rated` and per-item user sets fill `raters` (default `x`
   * itself). Pass the training log when encoding a test set so the features describe what was
   * known at training time.
   */
  implicitFrom?: Interactions;
  /**
   * Weights of the implicit bags `rated` and `raters`: `'sum'` (default) 1/count, summing to 1 (Rendle 2010,
   * fig. 1); `'l2'` 1/√count, unit length (SVD++'s |N(u)|^-½, Koren 2008). Saved in the encoder.
   */
  implicitNorm?: 'sum' | 'l2';
  /** User attributes joined on the raw user id, one field per column (see {@link parseSideFeatures}). */
  userFeatures?: SideFeatures;
  /** Item attributes joined on the raw item id, one field per column. */
  itemFeatures?: SideFeatures;
  /** A user or item missing from its side features is an error (default) or gets empty attributes. */
  missingSideFeatures?: MissingSideFeatures;
}

/**
 * MovieLens-1M age groups (1: <18, 18: 18-24, 25: 25-34, 35: 35-44, 45: 45-49, 50: 50-55, 56: 56+);
 * exact ages (ML-100K) are bucketed into them, so both datasets share one age field.
 */
export function ageGroup(age: number): number {
  if (age < 18) return 1;
  if (age < 25) return 18;
  if (age < 35) return 25;
  if (age < 45) return 35;
  if (age < 50) return 45;
  if (age < 56) return 50;
  return 56;
}

/**
 * Encodes a rating log for an FM as in Rendle, "Factorization Machines" (ICDM 2010), fig. 1:
 * fields `user` and `item` (categorical), then the requested extras: `genres` (multi-hot over the
 * item's genres), `age` (categorical, {@link ageGroup}), `gender`, `occupation` (categorical) and
 * `rated` (multi-hot over all items the user rated, weights 1/count, "other movies rated"),
 * `raters` (multi-hot over all users who rated the item, weights 1/count; both 1/√count with
 * `implicitNorm: 'l2'`), then
 * one field per column of `userFeatures` and of `itemFeatures` (side-feature files joined on the
 * raw ids). The dataset's label is the rating, rows keep the input order, and it carries side
 * columns `user`, `item` (raw ids, Int32Array) and `timestamp` (Float64Array).
 *
 * A missing side-information entry (an item without `items` info, a user without an age, an id
 * absent from a side-feature file) throws naming the id and row: nothing is silently filled in. A
 * user absent from `implicitFrom` (a cold-start user in a test log) gets an empty `rated` bag (an
 * unseen item an empty `raters` bag); an item
 * absent from a reused encoder's vocabulary goes to the OOV bucket.
 */
export function encodeInteractions(
  x: Interactions,
  options: EncodeInteractionsOptions = {},
): { encoder: Encoder; dataset: SparseDataset } {
  const where = 'encodeInteractions';
  const features = options.features ?? [];
  const n = x.length;
  for (const [k, a] of Object.entries({ user: x.user, item: x.item, rating: x.rating, timestamp: x.timestamp })) {
    if (a.length !== n) throw new Error(`${where}: interactions.${k} has ${a.length} entries, expected length ${n}`);
  }
  const columns: Record<string, Column> = { user: x.user, item: x.item, timestamp: x.timestamp };
  const minCount = options.minCount;
  const configs: FieldConfig[] = [
    { name: 'user', kind: 'categorical' },
    { name: 'item', kind: 'categorical' },
  ];
  const norm = options.implicitNorm ?? 'sum';
  if (norm !== 'sum' && norm !== 'l2') throw new Error(`${where}: implicitNorm must be "sum" or "l2", got ${JSON.stringify(norm)}`);
  const implicitNormalize = norm === 'l2' ? 'l2' : true;
  const seen = new Set<string>();
  for (const feat of features) {
    if (seen.has(feat)) throw new Error(`${where}: feature "${feat}" requested twice`);
    seen.add(feat);
    switch (feat) {
      case 'genres':
        columns.genres = genresColumn(x, options.items, where);
        configs.push({ name: 'genres', kind: 'multi-hot' });
        break;
      case 'age':
      case 'gender':
      case 'occupation':
        columns[feat] = userColumn(x, options.users, feat, where);
        configs.push({ name: feat, kind: 'categorical' });
        break;
      case 'rated':
        columns.rated = implicitColumn(x.user, (options.implicitFrom ?? x).user, (options.implicitFrom ?? x).item);
        configs.push({ name: 'rated', kind: 'multi-hot', normalize: implicitNormalize });
        break;
      case 'raters':
        columns.raters = implicitColumn(x.item, (options.implicitFrom ?? x).item, (options.implicitFrom ?? x).user);
        configs.push({ name: 'raters', kind: 'multi-hot', normalize: implicitNormalize });
        break;
      default:
        throw new Error(`${where}: unknown feature "${String(feat)}", expected ${INTERACTION_FEATURES.join(' | ')}`);
    }
  }
  let frame: Frame = { length: n, columns };
  const missing = options.missingSideFeatures ?? 'error';
  for (const [on, side] of [['user', options.userFeatures], ['item', options.itemFeatures]] as const) {
    if (!side) continue;
    for (const c of sideFeatureFields(side)) {
      if (configs.some((f) => f.name === c.name)) throw new Error(`${where}: side-feature column "${c.name}" clashes with a field of that name`);
      configs.push(c);
    }
    frame = joinSideFeatures(frame, on, side, { missing });
  }
  if (minCount !== undefined) for (const c of configs) c.minCount = minCount;
  let encoder = options.encoder;
  if (encoder) {
    const want = configs.map((c) => c.name).join(', ');
    const have = encoder.fields.map((f) => f.name).join(', ');
    if (want !== have) throw new Error(`${where}: the given encoder has fields [${have}], but the requested features give [${want}]`);
    if (options.implicitNorm !== undefined) {
      for (const f of encoder.fields) {
        if ((f.name === 'rated' || f.name === 'raters') && (f.normalize ?? true) !== implicitNormalize) {
          throw new Error(`${where}: the given encoder weights "${f.name}" with normalize ${JSON.stringify(f.normalize ?? true)}, but implicitNorm "${norm}" was asked for`);
        }
      }
    }
  } else {
    encoder = Encoder.fit(frame, configs);
  }
  const dataset = encoder.transform(frame, x.rating, { keepColumns: ['user', 'item', 'timestamp'] });
  return { encoder, dataset };
}

function genresColumn(x: Interactions, items: Map<number, ItemInfo> | undefined, where: string): MultiHotColumn {
  if (!items) throw new Error(`${where}: feature "genres" needs options.items`);
  const offsets = new Int32Array(x.length + 1);
  const tokens: string[] = [];
  for (let r = 0; r < x.length; r++) {
    const id = x.item[r] as number;
    const info = items.get(id);
    if (!info) throw new Error(`${where}: item ${id} (row ${r}) has no entry in options.items`);
    for (const g of info.genres) tokens.push(g);
    offsets[r + 1] = tokens.length;
  }
  return { kind: 'multi-hot', offsets, tokens };
}

function userColumn(
  x: Interactions,
  users: Map<number, UserInfo> | undefined,
  feat: 'age' | 'gender' | 'occupation',
  where: string,
): (string | number)[] {
  if (!users) throw new Error(`${where}: feature "${feat}" needs options.users`);
  const out: (string | number)[] = new Array<string | number>(x.length);
  for (let r = 0; r < x.length; r++) {
    const id = x.user[r] as number;
    const info = users.get(id);
    if (!info) throw new Error(`${where}: user ${id} (row ${r}) has no entry in options.users`);
    const v = info[feat];
    if (v === undefined) throw new Error(`${where}: user ${id} (row ${r}) has no ${feat}`);
    out[r] = feat === 'age' ? ageGroup(v as number) : v;
  }
  return out;
}

/**
 * Implicit-feedback bags: per row r, every value `fromValues[s]` of the log rows s whose key
 * `fromKeys[s]` equals `keys[r]` (for `rated`: the items the row's user rated; for `raters`: the
 * users who rated the row's item). A counting sort over a dense key index, O(rows + log).
 */
function implicitColumn(keys: Int32Array, fromKeys: Int32Array, fromValues: Int32Array): MultiHotColumn {
  const { index: keyIndex, codes } = IntIndex.build(fromKeys);
  const { start, order } = groupByKey(codes, keyIndex.size);
  const grouped = Int32Array.from(order, (r) => fromValues[r] as number);
  const offsets = new Int32Array(keys.length + 1);
  let total = 0;
  for (let r = 0; r < keys.length; r++) {
    const k = keyIndex.get(keys[r] as number);
    total += k < 0 ? 0 : (start[k + 1] as number) - (start[k] as number);
    offsets[r + 1] = total;
  }
  const tokens: number[] = new Array<number>(total);
  let p = 0;
  for (let r = 0; r < keys.length; r++) {
    const k = keyIndex.get(keys[r] as number);
    if (k < 0) continue;
    for (let j = start[k] as number; j < (start[k + 1] as number); j++) tokens[p++] = grouped[j] as number;
  }
  return { kind: 'multi-hot', offsets, tokens };
}
