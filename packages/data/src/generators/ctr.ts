import { FieldSchema } from '../field-schema.js';
import { Rng } from '../rng.js';
import { SparseDataset } from '../sparse-dataset.js';
import { allocLike } from '../concat-datasets.js';

/**
 * The planted click model behind {@link generateCtr}; feature ids are the dataset's global ids.
 *
 * - `fm`: `v_j = V[j]`, pair term `Σ_{j<k} <v_j, v_k>` (Rendle, "Factorization Machines", ICDM 2010).
 * - `ffm`: field-aware vectors `v_{j,g} = U[j] ∘ C[g] + W[j] ∘ E[g]` (`∘` elementwise, `g` the partner's
 *   field), pair term `Σ_{j<k} <v_{j,f_k}, v_{k,f_j}>` (Juan et al., "Field-aware Factorization Machines
 *   in a Real-world Ad System", RecSys 2016). This structured FFM needs O((n + F)·k) memory instead of
 *   O(n·F·k) and is computed exactly in O(F·k) per row.
 *
 * The logit is `bias + scale·(linearScale·Σ_j w_j + pairScale·pair)`.
 */
export interface PlantedCtrModel {
  model: 'fm' | 'ffm';
  rank: number;
  bias: number;
  /** `[n]` linear weights. */
  linear: Float32Array;
  /** `fm`: `[n * k]` V; `ffm`: `[n * k]` U. */
  factors: Float32Array;
  /** `ffm` only: `[n * k]` W. */
  factors2?: Float32Array;
  /** `ffm` only: `[F * k]` C and E. */
  fieldScale?: Float32Array;
  fieldScale2?: Float32Array;
  linearScale: number;
  pairScale: number;
}

/** Options of {@link generateCtr}. */
export interface GenerateCtrOptions {
  /** Rows (default 1,000,000). */
  rows?: number;
  /** Categorical fields F (default 39, as Criteo). */
  fields?: number;
  /** Total number of feature ids, split evenly over the fields (default 1,000,000). */
  hashSize?: number;
  /** Rank k of the planted factors (default 4). */
  rank?: number;
  /** Planted model (default `fm`). */
  model?: 'fm' | 'ffm';
  /** Seed (default 0). */
  seed?: number;
  /** Standard deviation of the logit around its bias (default 1.5): 0 is pure noise, larger is easier. */
  signal?: number;
  /** Share of the logit variance from the pairwise term (default 0.7; the rest is linear). */
  interactionShare?: number;
  /** Target click rate; the bias is solved to hit it on the generated rows (default 0.25, about Criteo's). */
  positiveRate?: number;
  /**
   * `generateCtr`: put the dataset's arrays on SharedArrayBuffers (default false), so Hogwild worker
   * threads (`fit()` with `threads > 1`) train on them without a shared copy of every row.
   */
  shared?: boolean;
}

/** Output of {@link generateCtr}. */
export interface SyntheticCtr {
  /** F categorical fields `f0..f{F-1}`, one id per field per row (offsets `i·F`), labels 0/1. */
  dataset: SparseDataset;
  /** Mean log loss of the true click probabilities on the generated labels (the best achievable). */
  bestLogLoss: number;
  /** Share of positive labels. */
  baseRate: number;
  /** `[rows]` true click probability per row. */
  probability: Float32Array;
  planted: PlantedCtrModel;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function standardDeviation(a: Float64Array): number {
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < a.length; i++) {
    s += a[i] as number;
    s2 += (a[i] as number) ** 2;
  }
  const m = s / a.length;
  return Math.sqrt(Math.max(0, s2 / a.length - m * m));
}

/** Greatest common divisor. */
function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Linear and pairwise terms of row `ids[o .. o + F)` in O(F·k), from a packed per-feature table
 * (`[w, u_0..u_{k-1}]` for FM, `[w, u_0..u_{k-1}, w2_0..w2_{k-1}]` for FFM; one cache line per id).
 * FM: `½(|Σv|² - Σ|v|²)`. Structured FFM, with `x_j = u_j∘c_{f_j}`, `y_j = w_j∘e_{f_j}`,
 * `a_j = u_j∘e_{f_j}`, `b_j = w_j∘c_{f_j}`: `FM(x) + FM(y) + <Σa, Σb> - Σ<a_j, b_j>`, which equals
 * `Σ_{j<k} <v_{j,f_k}, v_{k,f_j}>` for `v_{j,g} = u_j∘c_g + w_j∘e_g`.
 */
/** @internal */
export function rowTerms(
  p: PlantedCtrModel,
  packed: Float32Array,
  ids: Int32Array,
  o: number,
  F: number,
  scratch: Float64Array,
  out: Float64Array,
  i: number,
  lin: Float64Array,
): void {
  const k = p.rank;
  scratch.fill(0, 0, 4 * k);
  let l = 0;
  let self = 0;
  if (p.model === 'fm') {
    const S = 1 + k;
    for (let f = 0; f < F; f++) {
      const q = (ids[o + f] as number) * S;
      l += packed[q] as number;
      for (let r = 0; r < k; r++) {
        const v = packed[q + 1 + r] as number;
        scratch[r] = (scratch[r] as number) + v;
        self += v * v;
      }
    }
    let sq = 0;
    for (let r = 0; r < k; r++) sq += (scratch[r] as number) ** 2;
    lin[i] = l;
    out[i] = 0.5 * (sq - self);
    return;
  }
  const S = 1 + 2 * k;
  const C = p.fieldScale as Float32Array;
  const E = p.fieldScale2 as Float32Array;
  let cross = 0;
  for (let f = 0; f < F; f++) {
    const q = (ids[o + f] as number) * S;
    l += packed[q] as number;
    for (let r = 0; r < k; r++) {
      const u = packed[q + 1 + r] as number;
      const w = packed[q + 1 + k + r] as number;
      const c = C[f * k + r] as number;
      const e = E[f * k + r] as number;
      const x = u * c;
      const y = w * e;
      const a = u * e;
      const b = w * c;
      scratch[r] = (scratch[r] as number) + x;
      scratch[k + r] = (scratch[k + r] as number) + y;
      scratch[2 * k + r] = (scratch[2 * k + r] as number) + a;
      scratch[3 * k + r] = (scratch[3 * k + r] as number) + b;
      self += x * x + y * y;
      cross += a * b;
    }
  }
  let total = 0;
  for (let r = 0; r < k; r++) {
    total += (scratch[r] as number) ** 2 + (scratch[k + r] as number) ** 2;
    total += 2 * (scratch[2 * k + r] as number) * (scratch[3 * k + r] as number);
  }
  lin[i] = l;
  out[i] = 0.5 * (total - self) - cross;
}

/** A planted click model with everything needed to draw rows from it. @internal */
export interface CtrSampler {
  schema: FieldSchema;
  planted: PlantedCtrModel;
  /** Per-feature table `[w, u…]` (FM) or `[w, u…, w2…]` (FFM), see {@link rowTerms}. */
  packed: Float32Array;
  fields: number;
  mult: Float64Array;
  add: Float64Array;
  card: Float64Array;
  logCard: Float64Array;
}

/** Resolved options of {@link generateCtr}, checked. @internal */
export function ctrOptions(opts: GenerateCtrOptions, where: string) {
  const rows = opts.rows ?? 1_000_000;
  const F = opts.fields ?? 39;
  const H = opts.hashSize ?? 1_000_000;
  const k = opts.rank ?? 4;
  const model = opts.model ?? 'fm';
  const signal = opts.signal ?? 1.5;
  const share = opts.interactionShare ?? 0.7;
  const rate = opts.positiveRate ?? 0.25;
  for (const [name, v] of [
    ['rows', rows],
    ['fields', F],
    ['rank', k],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} must be an integer ≥ 1, got ${v}`);
  }
  if (!Number.isInteger(H) || H < F) throw new Error(`${where}: hashSize must be an integer ≥ fields = ${F}, got ${H}`);
  if (model !== 'fm' && model !== 'ffm') throw new Error(`${where}: model "${String(model)}", expected fm | ffm`);
  if (!(signal >= 0) || !Number.isFinite(signal)) throw new Error(`${where}: signal must be a finite number ≥ 0, got ${signal}`);
  if (!(share >= 0 && share <= 1)) throw new Error(`${where}: interactionShare must be in [0, 1], got ${share}`);
  if (!(rate > 0 && rate < 1)) throw new Error(`${where}: positiveRate must be in (0, 1), got ${rate}`);
  return { rows, F, H, k, model, signal, share, rate, seed: opts.seed ?? 0 };
}

/** Draws the planted model (field id rankings, linear weights, factors) from `rng`. @internal */
export function plantCtr(o: ReturnType<typeof ctrOptions>, rng: Rng): CtrSampler {
  const { F, H, k, model } = o;
  const schema = new FieldSchema(
    Array.from({ length: F }, (_, f) => ({ name: `f${f}`, kind: 'categorical' as const, cardinality: Math.floor(H / F) + (f < H % F ? 1 : 0) })),
  );
  const fieldOffsets = schema.offsets;
  // Per field: ids are ranked by frequency through an affine permutation r → (r·mult + add) mod card
  // (mult coprime to card), so popular ids are spread over the field without a lookup table.
  const mult = new Float64Array(F);
  const add = new Float64Array(F);
  const card = new Float64Array(F);
  const logCard = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    const c = (fieldOffsets[f + 1] as number) - (fieldOffsets[f] as number);
    card[f] = c;
    let m = 1 + rng.int(c);
    while (gcd(m, c) !== 1) m = 1 + rng.int(c);
    mult[f] = m;
    add[f] = rng.int(c);
    logCard[f] = Math.log(c + 1);
  }

  const factorSd = 1 / Math.sqrt(k);
  const gaussian = (n: number, sd: number): Float32Array => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = sd * rng.normal();
    return a;
  };
  const linear = gaussian(H, 1);
  const factors = gaussian(H * k, factorSd);
  const planted: PlantedCtrModel = { model, rank: k, bias: 0, linear, factors, linearScale: 1, pairScale: 1 };
  const S = model === 'fm' ? 1 + k : 1 + 2 * k;
  const packed = new Float32Array(H * S);
  for (let j = 0; j < H; j++) {
    packed[j * S] = linear[j] as number;
    packed.set(factors.subarray(j * k, (j + 1) * k), j * S + 1);
  }
  if (model === 'ffm') {
    const factors2 = gaussian(H * k, factorSd);
    planted.factors2 = factors2;
    planted.fieldScale = gaussian(F * k, 1);
    planted.fieldScale2 = gaussian(F * k, 1);
    for (let j = 0; j < H; j++) packed.set(factors2.subarray(j * k, (j + 1) * k), j * S + 1 + k);
  }
  return { schema, planted, packed, fields: F, mult, add, card, logCard };
}

/** Draws the F ids of one row into `ids[o .. o + F)` (one uniform draw per field). @internal */
export function drawCtrRow(s: CtrSampler, rng: Rng, ids: Int32Array, o: number): void {
  const offsets = s.schema.offsets;
  for (let f = 0; f < s.fields; f++) {
    // Continuous Zipf: x = (card + 1)^u has density ∝ 1/x on [1, card + 1); floor(x) - 1 is the rank.
    const r = Math.floor(Math.exp(rng.next() * (s.logCard[f] as number))) - 1;
    ids[o + f] = (offsets[f] as number) + ((r * (s.mult[f] as number) + (s.add[f] as number)) % (s.card[f] as number));
  }
}

/**
 * Sets the planted logit's scales to the requested linear/pair variances over the rows' terms and
 * solves the bias so that the mean click probability is `rate` (Newton). @internal
 */
export function calibrateCtr(planted: PlantedCtrModel, lin: Float64Array, pair: Float64Array, signal: number, share: number, rate: number): Float64Array {
  const rows = lin.length;
  const sdLin = standardDeviation(lin);
  const sdPair = standardDeviation(pair);
  planted.linearScale = sdLin > 0 ? (signal * Math.sqrt(1 - share)) / sdLin : 0;
  planted.pairScale = sdPair > 0 ? (signal * Math.sqrt(share)) / sdPair : 0;
  const z = new Float64Array(rows);
  for (let i = 0; i < rows; i++) z[i] = planted.linearScale * (lin[i] as number) + planted.pairScale * (pair[i] as number);
  let bias = Math.log(rate / (1 - rate));
  for (let it = 0; it < 30; it++) {
    let m = 0;
    let d = 0;
    for (let i = 0; i < rows; i++) {
      const p = sigmoid(bias + (z[i] as number));
      m += p;
      d += p * (1 - p);
    }
    const step = (m - rate * rows) / Math.max(d, 1e-12);
    bias -= step;
    if (Math.abs(step) < 1e-10) break;
  }
  planted.bias = bias;
  return z;
}

/** Labels of rows `[from, to)` ~ Bernoulli(sigmoid(bias + z)) drawn from `rng`, their probabilities, and the summed log loss of those probabilities. @internal */
export function drawCtrLabels(
  bias: number,
  z: Float64Array,
  rng: Rng,
  labels: Float32Array,
  probability: Float32Array,
  from = 0,
  to = z.length,
): { loss: number; positives: number } {
  let loss = 0;
  let positives = 0;
  for (let i = from; i < to; i++) {
    const x = bias + (z[i] as number);
    const p = sigmoid(x);
    probability[i] = p;
    const y = rng.next() < p ? 1 : 0;
    labels[i] = y;
    positives += y;
    // -log p = softplus(-x), -log(1-p) = softplus(x), computed stably.
    const t = y ? -x : x;
    loss += t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
  }
  return { loss, positives };
}

/** CSR arrays of `rows` rows of `F` one-hot fields each: offsets `i·F`, fields `0..F-1` repeated, values 1. @internal */
export function fixedWidthCsr(rows: number, F: number, shared = false): { offsets: Int32Array; fields: Int32Array; values: Float32Array } {
  const nnz = rows * F;
  const offsets = allocLike(Int32Array, rows + 1, shared);
  for (let i = 0; i <= rows; i++) offsets[i] = i * F;
  const fields = allocLike(Int32Array, nnz, shared);
  for (let f = 0; f < Math.min(F, nnz); f++) fields[f] = f;
  for (let filled = F; filled < nnz; filled *= 2) fields.copyWithin(filled, 0, Math.min(filled, nnz - filled));
  return { offsets, fields, values: allocLike(Float32Array, nnz, shared).fill(1) };
}

/**
 * A synthetic click log shaped like Criteo: F categorical fields of hashed ids (about
 * `hashSize / F` ids per field), each field's values Zipf-distributed (P(rank r) ∝ 1/r, over a
 * random ranking of its ids), label ~ Bernoulli(sigmoid(planted FM or FFM logit)). The CSR arrays
 * are built directly (offsets `i·F`, fields `j`, values 1): 1M rows × 39 fields take a few seconds.
 * Deterministic for a seed. For more rows than memory holds, see `ctrStream` (same model and
 * distribution, written chunk by chunk).
 */
export function generateCtr(opts: GenerateCtrOptions = {}): SyntheticCtr {
  const o = ctrOptions(opts, 'generateCtr');
  const { rows, F } = o;
  if (rows * F > 0x7fffffff) throw new Error(`generateCtr: rows × fields = ${rows * F} exceeds the Int32 CSR limit`);
  const rng = new Rng(o.seed);
  const s = plantCtr(o, rng);
  const { schema, planted, packed } = s;

  const nnz = rows * F;
  const shared = opts.shared ?? false;
  const ids = allocLike(Int32Array, nnz, shared);
  const lin = new Float64Array(rows);
  const pair = new Float64Array(rows);
  const scratch = new Float64Array(4 * o.k);
  for (let i = 0; i < rows; i++) {
    drawCtrRow(s, rng, ids, i * F);
    rowTerms(planted, packed, ids, i * F, F, scratch, pair, i, lin);
  }

  // Scale the two parts to the requested variances, then solve the bias for the target rate.
  const z = calibrateCtr(planted, lin, pair, o.signal, o.share, o.rate);
  const labels = allocLike(Float32Array, rows, shared);
  const probability = new Float32Array(rows);
  const { loss, positives } = drawCtrLabels(planted.bias, z, rng, labels, probability);
  const { offsets, fields, values } = fixedWidthCsr(rows, F, shared);
  const dataset = new SparseDataset({ schema, labels, offsets, ids, values, fields }, { validate: false });
  return { dataset, bestLogLoss: loss / rows, baseRate: positives / rows, probability, planted };
}
