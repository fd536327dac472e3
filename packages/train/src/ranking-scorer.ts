import { checkOptionNames } from '@fm/layers/option-names';
import * as tf from '@tensorflow/tfjs';
import { logit, normalCdf, type UserItemFields } from '@fm/data';
import { modelScorer, type RankingScorer } from '@fm/eval';
import { chooseEngine } from './choose-engine.js';
import type { EngineChoice, EngineName } from './engine.js';
import { bindNative } from './engines/native/binding.js';
import { ffmPart, ffmPartsScore, type FfmPart } from './ffm-parts.js';
import { bayesOf } from './engines/bayes/attached.js';
import type { BayesianFm } from './engines/bayes/bayesian-fm.js';
import { isNativeModel, type NativeModel } from './engines/native/native-model.js';
import type { NativeParams } from './engines/native/types.js';
import { inspectModel } from './model-info.js';

/** Features of one side of a (user, item) row, besides its id: global ids and values. */
export interface SideFeatures {
  ids: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** Every option of {@link RankingScorerOptions} (an unknown name is an error, never ignored). */
const RANKING_SCORER_KEYS = { fields: true, userFeatures: true, itemFeatures: true, engine: true } as const satisfies Record<keyof RankingScorerOptions, true>;

/** Options of {@link rankingScorer}. */
export interface RankingScorerOptions {
  /** Where the user and item ids sit (`resolveUserItemFields` of the training schema). */
  fields: UserItemFields;
  /** Extra features of a user's rows (demographics, the implicit "rated" block, …); none by default. */
  userFeatures?: (user: number) => SideFeatures;
  /** Extra features of an item's rows (genres, …); none by default. */
  itemFeatures?: (item: number) => SideFeatures;
  /** 'auto' (default): native kernels for LR/FM/FFM/MF on CPU backends, as `chooseEngine` decides. */
  engine?: EngineChoice;
}

/**
 * A {@link RankingScorer} for a trained model over (user, item) rows — what `recommend`, the
 * sampled and full-ranking protocols and similar-items queries need — that scores with the native
 * kernels whenever `chooseEngine` would train the model natively, and through tfjs otherwise.
 *
 * Native FM/MF scoring splits every row into a user part U and an item part I (the ids plus their
 * side features): ŷ(u, i) = w₀ + a_u + c_i + ⟨S_u, S_i⟩ with S = Σ v·x over a part and a, c each
 * part's linear and within-part pair terms (Rendle 2010, eq. 5, applied per part), so the whole
 * catalogue for a user is one dense [k] × [k, I] product: O(k·(U + I) + U·I·k). FFM regroups the same way
 * (`ffmPart`: per part its linear and own pair terms, Σx², and per field h of the part A_h = Σ x v over the
 * entries of field h), O(k · fields(U) · fields(I)) per pair; LR adds the parts' linear terms. Through tfjs, a pair
 * is the row `[user, item, user features,
 * item features]`: models that read slots by position (DeepFM's MLP, FNN, …) must have been trained on
 * rows in that order, as `encodeInteractions` writes them.
 *
 * @param model a trained `@fm/layers` model.
 * @returns the scorer, and which engine scores.
 */
export function rankingScorer(model: tf.LayersModel | NativeModel, opts: RankingScorerOptions): RankingScorer & { engine: EngineName } {
  checkOptionNames('rankingScorer', opts, Object.keys(RANKING_SCORER_KEYS));
  const fm = bayesOf(model);
  if (fm) return Object.assign(bayesScorer(fm, opts), { engine: fm.settings.solver });
  if (isNativeModel(model)) {
    if (opts.engine === 'tfjs') throw new Error("rankingScorer: a NativeModel scores with the native kernels; for engine 'tfjs' pass model.toLayersModel()");
    return Object.assign(nativeScorer(model.params, opts), { engine: 'native' as const });
  }
  const info = inspectModel(model);
  const decision = chooseEngine(model, info, opts.engine ?? 'auto', tf.getBackend());
  const { fields } = opts;
  if (decision.name === 'tfjs') {
    const user = opts.userFeatures;
    const item = opts.itemFeatures;
    const width = (f: ((x: number) => SideFeatures) | undefined, n: number) => {
      let w = 0;
      for (let x = 0; f && x < n; x++) w = Math.max(w, f(x).ids.length);
      return w;
    };
    const wu = width(user, fields.numUsers);
    const wi = width(item, fields.numItems);
    const scorer = modelScorer(model, {
      numItems: fields.numItems,
      userId: (u) => fields.userOffset + u,
      itemId: (i) => fields.itemOffset + i,
      ...(wu + wi > 0
        ? {
            extra: {
              width: wu + wi,
              fill(u, i, ids, values, offset) {
                const put = (s: SideFeatures | undefined, at: number) => {
                  for (let j = 0; s && j < s.ids.length; j++) {
                    ids[at + j] = s.ids[j] as number;
                    values[at + j] = s.values[j] as number;
                  }
                };
                put(user?.(u), offset);
                put(item?.(i), offset + wu);
              },
            },
          }
        : {}),
    });
    return Object.assign(scorer, { engine: 'tfjs' as const });
  }
  const binding = bindNative(model, info);
  if (typeof binding === 'string') throw new Error(`rankingScorer: ${binding}`);
  return Object.assign(nativeScorer(binding.params, opts), { engine: 'native' as const });
}

/** The row of one side: its id feature then its side features. */
function sideRow(id: number, extra: SideFeatures | undefined): { ids: number[]; values: number[] } {
  const ids = [id];
  const values = [1];
  for (let j = 0; extra && j < extra.ids.length; j++) {
    ids.push(extra.ids[j] as number);
    values.push(extra.values[j] as number);
  }
  return { ids, values };
}

/** FM/MF: per part, [linear + within-part pairs] and the factor sum S = Σ v x (k floats at `at`). */
function partTerms(p: { k: number; linear: ArrayLike<number>; factors: ArrayLike<number> }, row: { ids: number[]; values: number[] }, S: Float32Array, at: number): number {
  const k = p.k;
  let lin = 0;
  let sq = 0;
  for (let f = 0; f < k; f++) S[at + f] = 0;
  for (let j = 0; j < row.ids.length; j++) {
    const i = row.ids[j] as number;
    const x = row.values[j] as number;
    lin += (p.linear[i] as number) * x;
    for (let f = 0; f < k; f++) {
      const v = (p.factors[i * k + f] as number) * x;
      S[at + f] = (S[at + f] as number) + v;
      sq += v * v;
    }
  }
  let s2 = 0;
  for (let f = 0; f < k; f++) s2 += (S[at + f] as number) ** 2;
  return lin + 0.5 * (s2 - sq);
}

/** A user's or an item's row: its id feature then its side features. */
type PartRow = { ids: number[]; values: number[] };
/** What {@link partTerms} reads of a parameter set. */
type PartParams = Parameters<typeof partTerms>[0];

/** Throws unless every entry of `xs` is an index in [0, n). */
function checkIds(what: string, xs: Int32Array, n: number): void {
  for (let j = 0; j < xs.length; j++) {
    const x = xs[j] as number;
    if (!Number.isInteger(x) || x < 0 || x >= n) throw new Error(`rankingScorer: ${what}[${j}] = ${x} is outside [0, ${n})`);
  }
}

/** Every item's part of one parameter set: its factor sums S `[items·k]` and linear + inner terms C `[items]`. */
function itemPartsOf(p: PartParams, rows: readonly PartRow[]): { S: Float32Array; C: Float32Array } {
  const S = new Float32Array(rows.length * p.k);
  const C = new Float32Array(rows.length);
  rows.forEach((row, i) => (C[i] = partTerms(p, row, S, i * p.k)));
  return { S, C };
}

/**
 * Adds g(ŷ) of user row r with item `itemsOf(r)[c]` into `out[r·I + c]`, ŷ = w₀ + a_u + c_i + ⟨S_u, S_i⟩ from the
 * items' parts `S`, `C` of the same parameter set (g: identity unless given). A user's part is computed once for a
 * run of rows holding the same row object (aligned pairs of one user with many items).
 */
function addPartScores(
  p: PartParams & { bias: number },
  userRows: readonly PartRow[],
  itemsOf: (r: number) => ArrayLike<number>,
  I: number,
  items: { S: Float32Array; C: Float32Array },
  out: Float64Array,
  g?: (y: number) => number,
): void {
  const k = p.k;
  const { S, C } = items;
  const su = new Float32Array(k);
  let prev: PartRow | undefined;
  let a = 0;
  for (let r = 0; r < userRows.length; r++) {
    const row = userRows[r] as PartRow;
    if (row !== prev) a = p.bias + partTerms(p, row, su, 0);
    prev = row;
    const its = itemsOf(r);
    const at = r * I;
    for (let c = 0; c < I; c++) {
      const it = its[c] as number;
      const o = it * k;
      let dot = 0;
      for (let f = 0; f < k; f++) dot += (su[f] as number) * (S[o + f] as number);
      const y = a + (C[it] as number) + dot;
      out[at + c] = (out[at + c] as number) + (g ? g(y) : y);
    }
  }
}

/** The native scorer over bare parameters (see {@link rankingScorer}). */
export function nativeScorer(p: NativeParams, opts: RankingScorerOptions): RankingScorer {
  const { fields } = opts;
  const numItems = fields.numItems;
  const userRow = (u: number) => sideRow(fields.userOffset + u, opts.userFeatures?.(u));
  const itemRow = (i: number) => sideRow(fields.itemOffset + i, opts.itemFeatures?.(i));
  // FM / MF: item parts once
  let parts: { S: Float32Array; C: Float32Array } | undefined;
  // LR / FFM: each item's FfmPart once, each user's once per call (LR: linear terms only)
  let ffmItems: FfmPart[] | undefined;
  const fm = p.kind === 'fm' || p.kind === 'mf';
  const b0 = p.bias[0] as number;
  const allItems = Int32Array.from({ length: numItems }, (_, i) => i);
  const matrix = (users: Int32Array, items: Int32Array | undefined): Float32Array => {
    checkIds('users', users, fields.numUsers);
    if (items) checkIds('items', items, numItems);
    const I = items ? items.length : numItems;
    const out = new Float32Array(users.length * I);
    if (fm) {
      parts ??= itemPartsOf(p, Array.from({ length: numItems }, (_, i) => itemRow(i)));
      const sum = new Float64Array(users.length * I);
      addPartScores({ ...p, bias: b0 }, Array.from(users, (u) => userRow(u)), () => items ?? allItems, I, parts, sum);
      out.set(sum);
      return out;
    }
    ffmItems ??= Array.from({ length: numItems }, (_, i) => ffmPart(p, itemRow(i)));
    const its = ffmItems;
    for (let r = 0; r < users.length; r++) {
      const up = ffmPart(p, userRow(users[r] as number));
      for (let c = 0; c < I; c++) out[r * I + c] = ffmPartsScore(p, up, its[items ? (items[c] as number) : c] as FfmPart);
    }
    return out;
  };
  return {
    numItems,
    scoreMatrix(users: Int32Array, items?: Int32Array): tf.Tensor2D {
      return tf.tensor2d(matrix(users, items), [users.length, items ? items.length : numItems]);
    },
    scorePairs(users: Int32Array, items: Int32Array): tf.Tensor1D {
      if (users.length !== items.length) throw new Error(`rankingScorer.scorePairs: ${users.length} users but ${items.length} items`);
      const out = new Float32Array(users.length);
      // a run of pairs of one user is that user's row of the matrix over the run's items (its part computed once)
      for (let j = 0; j < users.length; ) {
        let e = j + 1;
        while (e < users.length && users[e] === users[j]) e++;
        out.set(matrix(users.subarray(j, j + 1), items.subarray(j, e)), j);
        j = e;
      }
      return tf.tensor1d(out);
    },
  };
}

/** Most floats the Bayesian scorer keeps for the items' parts of every sample (128 MiB); beyond, per call. */
const MAX_BAYES_ITEM_PARTS = 2 ** 25;

/**
 * A Bayesian model's scorer: the predictive mean over its kept samples ({@link BayesianFm.scoringPoints}) of each
 * (user, item) row, unclipped as `predict` gives it (binary: the logit of P(y = 1) = E[Φ(ŷ)]). Per sample, every
 * row splits into its user and item parts as in the native FM scorer, ŷ = w₀ + a_u + c_i + ⟨S_u, S_i⟩: the items'
 * parts once per sample (kept across calls up to {@link MAX_BAYES_ITEM_PARTS} floats), then O(k) per pair.
 */
function bayesScorer(fm: BayesianFm, opts: RankingScorerOptions): RankingScorer {
  const { fields } = opts;
  const numItems = fields.numItems;
  const k = fm.settings.k;
  const binary = fm.settings.task === 'binary';
  const points = fm.scoringPoints().map((p) => ({ k, bias: p.bias[0] as number, linear: p.linear, factors: p.factors }));
  const userRow = (u: number) => sideRow(fields.userOffset + u, opts.userFeatures?.(u));
  const itemRow = (i: number) => sideRow(fields.itemOffset + i, opts.itemFeatures?.(i));
  let itemRows: PartRow[] | undefined;
  const partsOf = (p: PartParams) => itemPartsOf(p, (itemRows ??= Array.from({ length: numItems }, (_, i) => itemRow(i))));
  let cached: { S: Float32Array; C: Float32Array }[] | undefined;
  const keep = points.length * numItems * (k + 1) <= MAX_BAYES_ITEM_PARTS;
  const allItems = Int32Array.from({ length: numItems }, (_, i) => i);
  /** `[U, I]` scores of users × items (`pairs`: users[j] with items[j] only, `[U]`). */
  const score = (users: Int32Array, items: Int32Array | undefined, pairs: boolean): Float32Array => {
    checkIds('users', users, fields.numUsers);
    if (items) checkIds('items', items, numItems);
    const I = pairs ? 1 : items ? items.length : numItems;
    const sum = new Float64Array(users.length * I);
    if (keep) cached ??= points.map(partsOf);
    // one row object per distinct user, so each user's part is computed once per run of its pairs
    const distinct = new Map<number, PartRow>();
    const userRows = Array.from(users, (u) => {
      let row = distinct.get(u);
      if (!row) distinct.set(u, (row = userRow(u)));
      return row;
    });
    const itemsOf = (r: number) => (pairs ? (items as Int32Array).subarray(r, r + 1) : (items ?? allItems));
    points.forEach((p, t) => addPartScores(p, userRows, itemsOf, I, cached?.[t] ?? partsOf(p), sum, binary ? normalCdf : undefined));
    return Float32Array.from(sum, (x) => (binary ? logit(x / points.length) : x / points.length));
  };
  return {
    numItems,
    scoreMatrix(users: Int32Array, items?: Int32Array): tf.Tensor2D {
      return tf.tensor2d(score(users, items, false), [users.length, items ? items.length : numItems]);
    },
    scorePairs(users: Int32Array, items: Int32Array): tf.Tensor1D {
      if (users.length !== items.length) throw new Error(`rankingScorer.scorePairs: ${users.length} users but ${items.length} items`);
      return tf.tensor1d(score(users, items, true));
    },
  };
}
