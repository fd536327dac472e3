import type * as tf from '@tensorflow/tfjs';
import { NegativeSampler, resolveUserItemFields, type Encoder, type FieldSchema, type SparseDataset, type UserItemFields } from '@fm/data';
import { evaluateFullRanking, evaluateSampled, type RankingScorer } from '@fm/eval';
import { rankingScorer, type NativeModel } from '@fm/train';
import { CliError } from './errors.js';

/** Where the user and item ids sit in a schema (`@fm/data`'s `UserItemFields`); local id 0 of each field is the OOV bucket. */
export type UserItemLayout = UserItemFields;

/**
 * The user and item fields by the toolkit's one rule (`resolveUserItemFields`: fields named user and
 * item, else the two fields of a two-field schema). Ranking, recommend and similar-items need them,
 * and score (user, item) pairs only.
 */
export function userItemLayout(schema: FieldSchema, where: string): UserItemLayout {
  let layout: UserItemLayout;
  try {
    layout = resolveUserItemFields(schema);
  } catch (e) {
    throw new CliError(`${where}: ranking needs a user and an item field: ${(e as Error).message}`);
  }
  if (schema.numFields !== 2) {
    const names = schema.fields.map((f) => f.name);
    throw new CliError(`${where}: ranking scores (user, item) pairs only; this model has extra fields (${names.join(', ')})`);
  }
  return layout;
}

/**
 * The (user, item) pair of every row as field-local ids (`global id − field offset`), read from the
 * encoded features. Rows with a non-positive label are left out when `positivesOnly`.
 */
export function userItemPairs(ds: SparseDataset, layout: UserItemLayout, positivesOnly = false): { user: Int32Array; item: Int32Array } {
  const users: number[] = [];
  const items: number[] = [];
  for (let r = 0; r < ds.numRows; r++) {
    if (positivesOnly && !((ds.labels[r] as number) > 0)) continue;
    let uu = -1;
    let ii = -1;
    for (let j = ds.offsets[r] as number; j < (ds.offsets[r + 1] as number); j++) {
      const f = ds.fields[j] as number;
      if (f === layout.userField) uu = (ds.ids[j] as number) - layout.userOffset;
      else if (f === layout.itemField) ii = (ds.ids[j] as number) - layout.itemOffset;
    }
    if (uu < 0 || ii < 0) throw new CliError(`row ${r} has no user or item id`);
    users.push(uu);
    items.push(ii);
  }
  return { user: Int32Array.from(users), item: Int32Array.from(items) };
}

/**
 * A scorer over (user, item) local ids for a two-field model. `virtualItems` extra item ids
 * `numItems … numItems + virtualItems − 1` all score as the out-of-vocabulary item (local id 0): they
 * stand for distinct items the model never saw (e.g. several unseen negatives of a candidates file).
 * User ids ≥ numUsers likewise score as the user out-of-vocabulary bucket.
 */
export function pairScorer(model: tf.LayersModel | NativeModel, layout: UserItemLayout, virtualItems = 0): RankingScorer {
  const inner = rankingScorer(model, { fields: layout });
  const n = layout.numItems;
  const users = (us: Int32Array) => us.map((u) => (u < layout.numUsers ? u : 0));
  const items = (is: Int32Array) => is.map((i) => (i < n ? i : 0));
  const all = virtualItems > 0 ? items(Int32Array.from({ length: n + virtualItems }, (_, i) => i)) : undefined;
  return {
    numItems: n + virtualItems,
    scoreMatrix: (us, is) => (is ? inner.scoreMatrix(users(us), items(is)) : all ? inner.scoreMatrix(users(us), all) : inner.scoreMatrix(users(us))),
    ...(inner.scorePairs ? { scorePairs: (us: Int32Array, is: Int32Array) => (inner.scorePairs as NonNullable<RankingScorer['scorePairs']>)(users(us), items(is)) } : {}),
  };
}

/** Settings of {@link rankingEvaluation}. */
export interface RankingEvalSettings {
  protocol: 'sampled' | 'full';
  negatives: number;
  ks: number[];
  metrics: ('hr' | 'ndcg' | 'map' | 'precision' | 'recall' | 'mrr')[];
  seed: number;
}

/**
 * Ranking metrics of a model on test pairs: `sampled` ranks each test item against N sampled items
 * the user never interacted with (in train or test; He et al. 2017), `full` against every item
 * except the user's training items. Item 0 (the OOV bucket) is never a candidate; a test item unseen
 * in training is item 0 and is scored through the OOV bucket.
 */
export async function rankingEvaluation(
  scorer: RankingScorer,
  layout: UserItemLayout,
  test: { user: Int32Array; item: Int32Array },
  train: { user: Int32Array; item: Int32Array },
  s: RankingEvalSettings,
): Promise<{ metrics: Record<string, number>; count: number }> {
  if (s.protocol === 'full') {
    // Mask the OOV bucket as if every user had seen it, and allow overlap (duplicates in raw data).
    const seenUser = new Int32Array(train.user.length + layout.numUsers);
    const seenItem = new Int32Array(train.item.length + layout.numUsers);
    seenUser.set(train.user);
    seenItem.set(train.item);
    for (let u = 0; u < layout.numUsers; u++) seenUser[train.user.length + u] = u;
    return evaluateFullRanking(scorer, test, { user: seenUser, item: seenItem }, { ks: s.ks, metrics: s.metrics, allowTrainTestOverlap: true });
  }
  const catalogue = new Int32Array(layout.numItems - 1).map((_, j) => j + 1);
  const seen = knownItems({ user: concat(train.user, test.user), item: concat(train.item, test.item) });
  const sampler = new NegativeSampler(seen, catalogue);
  const users = Int32Array.from(new Set(test.user));
  let candidates: Map<number, Int32Array>;
  try {
    candidates = sampler.sampleForEvaluation(users, s.negatives, s.seed);
  } catch (e) {
    throw new CliError(`cannot sample ${s.negatives} negatives per user: ${(e as Error).message} (use fewer --negatives or --protocol full)`);
  }
  return evaluateSampled(scorer, test, candidates, { ks: s.ks, metrics: s.metrics });
}

/** The pairs whose item is in the catalogue (not the OOV bucket 0): what a sampler must never draw. */
function knownItems(p: { user: Int32Array; item: Int32Array }): { user: Int32Array; item: Int32Array } {
  const keep: number[] = [];
  for (let r = 0; r < p.item.length; r++) if ((p.item[r] as number) > 0) keep.push(r);
  return { user: Int32Array.from(keep, (r) => p.user[r] as number), item: Int32Array.from(keep, (r) => p.item[r] as number) };
}

function concat(a: Int32Array, b: Int32Array): Int32Array {
  const out = new Int32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Parses `--metrics` names: pointwise (`rmse`, `mae`, `auc`, `logloss`) and ranking `name@k`
 * (`hr@10`, `ndcg@10`, `map@10`, `precision@5`, `recall@20`, `mrr`).
 */
export function parseMetricNames(list: readonly string[]): { pointwise: string[]; ranking: { metrics: RankingEvalSettings['metrics']; ks: number[] } } {
  const pointwise: string[] = [];
  const metrics = new Set<RankingEvalSettings['metrics'][number]>();
  const ks = new Set<number>();
  for (const raw of list) {
    const name = raw.toLowerCase();
    if (['rmse', 'mae', 'auc', 'logloss'].includes(name)) {
      pointwise.push(name);
      continue;
    }
    if (name === 'mrr') {
      metrics.add('mrr');
      continue;
    }
    const m = /^(hr|ndcg|map|precision|recall)@(\d+)$/.exec(name);
    if (!m || Number(m[2]) < 1) {
      throw new Error(`unknown metric "${raw}", expected rmse, mae, auc, logloss, mrr or hr|ndcg|map|precision|recall@K`);
    }
    metrics.add(m[1] as RankingEvalSettings['metrics'][number]);
    ks.add(Number(m[2]));
  }
  return { pointwise, ranking: { metrics: [...metrics], ks: [...ks].sort((a, b) => a - b) } };
}

/**
 * Local id of a raw user/item id through the encoder (`--user 196`); raw ids may be numbers or
 * strings in the vocabulary. Throws naming the id when it is unknown to the model.
 */
export function localIdOf(encoder: Encoder | undefined, field: string, raw: string, layout: UserItemLayout): number {
  if (!encoder) {
    const n = Number(raw);
    const card = field === 'user' ? layout.numUsers : layout.numItems;
    if (!Number.isInteger(n) || n < 0 || n >= card) {
      throw new CliError(`${field} ${raw}: without an encoder ids are local ids in [0, ${card})`);
    }
    return n;
  }
  const vocab = encoder.vocabulary(field);
  const asNum = Number(raw);
  const key = raw.trim() !== '' && Number.isFinite(asNum) && vocab.has(asNum) ? asNum : raw;
  if (!vocab.has(key)) throw new CliError(`${field} ${raw} is not in the model's training data (${vocab.size} known ${field}s)`);
  const offset = field === 'user' ? layout.userOffset : layout.itemOffset;
  return encoder.encode(field, key) - offset;
}

/** The raw id of a local id (for display), or `#id` when there is no encoder. */
export function rawIdOf(encoder: Encoder | undefined, field: string, local: number, layout: UserItemLayout): string | number {
  if (!encoder) return local;
  const offset = field === 'user' ? layout.userOffset : layout.itemOffset;
  return encoder.decode(field, offset + local) ?? '(unknown)';
}
