// Planted click-data generators (binary): structures FM cannot represent, for the deep models' training checks.
import { FieldSchema, Rng, SparseDataset } from '@fm/data';

/** A generated binary data set and the mean log loss of its true click probabilities (the best achievable). */
export interface PlantedSet {
  train: SparseDataset;
  test: SparseDataset;
  bestLogLoss: number;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** One id per field per row; `logit(ids)` gets the field-local ids. Train/test are independent draws. */
function generate(fieldDims: number[], rows: number, testRows: number, rng: Rng, logit: (local: number[]) => number): PlantedSet {
  const schema = new FieldSchema(fieldDims.map((cardinality, f) => ({ name: `f${f}`, kind: 'categorical' as const, cardinality })));
  let lossSum = 0;
  const draw = (n: number, countLoss: boolean) => {
    const F = fieldDims.length;
    const ids = new Int32Array(n * F);
    const labels = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      const local = fieldDims.map((d) => rng.int(d));
      local.forEach((id, f) => (ids[r * F + f] = schema.globalId(`f${f}`, id)));
      const p = sigmoid(logit(local));
      const y = rng.next() < p ? 1 : 0;
      labels[r] = y;
      if (countLoss) lossSum -= y === 1 ? Math.log(p) : Math.log(1 - p);
    }
    return new SparseDataset({
      schema,
      labels,
      offsets: Int32Array.from({ length: n + 1 }, (_, r) => r * F),
      ids,
      values: new Float32Array(n * F).fill(1),
    });
  };
  const train = draw(rows, false);
  const test = draw(testRows, true);
  return { train, test, bestLogLoss: lossSum / testRows };
}

/** Each id of a field of size d gets a sign ±1, half of them each, in a seeded random order. */
function signs(d: number, rng: Rng): number[] {
  const perm = rng.permutation(d);
  const out = new Array<number>(d);
  perm.forEach((id, rank) => (out[id] = rank < d / 2 ? 1 : -1));
  return out;
}

/**
 * A planted third-order cross: logit = strength · s₀(x₀) s₁(x₁) s₂(x₂), each id of the first three fields carrying
 * a sign ±1 (balanced); further fields are noise. Every linear and pairwise term of the signs is uncorrelated with
 * the label, so FM (and LR) can do no better than the base rate, while a model of degree ≥ 3 can reach the best
 * log loss.
 */
export function plantedThreeWayCross(options: { fieldDims?: number[]; rows?: number; testRows?: number; strength?: number; seed?: number } = {}): PlantedSet {
  const fieldDims = options.fieldDims ?? [6, 6, 6, 5, 5];
  if (fieldDims.length < 3) throw new Error('plantedThreeWayCross: needs at least 3 fields');
  const rng = new Rng(options.seed ?? 1);
  const s = fieldDims.slice(0, 3).map((d) => signs(d, rng));
  const strength = options.strength ?? 3;
  return generate(fieldDims, options.rows ?? 4000, options.testRows ?? 2000, rng, (local) =>
    strength * (s[0]?.[local[0] as number] as number) * (s[1]?.[local[1] as number] as number) * (s[2]?.[local[2] as number] as number),
  );
}

/**
 * A planted multiplicative model: logit = strength · (Π_{f<3} r_f(x_f) − 1), with positive per-id factors
 * r = exp(spread · U(−1, 1)) on the first three fields (so the product has median 1); further fields are noise.
 * A product of positive factors is exactly what one logarithmic neuron computes (AFN, Cheng et al. 2020); FM
 * models only its additive and pairwise parts.
 */
export function plantedProduct(
  options: { fieldDims?: number[]; rows?: number; testRows?: number; strength?: number; spread?: number; seed?: number } = {},
): PlantedSet {
  const fieldDims = options.fieldDims ?? [6, 6, 6, 5, 5];
  if (fieldDims.length < 3) throw new Error('plantedProduct: needs at least 3 fields');
  const rng = new Rng(options.seed ?? 2);
  const spread = options.spread ?? 1;
  const r = fieldDims.slice(0, 3).map((d) => Array.from({ length: d }, () => Math.exp(spread * (2 * rng.next() - 1))));
  const strength = options.strength ?? 1;
  return generate(fieldDims, options.rows ?? 4000, options.testRows ?? 2000, rng, (local) =>
    strength * (r.reduce((acc, table, f) => acc * (table[local[f] as number] as number), 1) - 1),
  );
}

/**
 * A planted rank-`rank` matrix factorization on (user, item): logit = strength · ⟨p_u, q_i⟩ / √rank with N(0, 1)
 * factors; the two-field schema of MF and NeuMF.
 */
export function plantedUserItem(options: { users?: number; items?: number; rows?: number; testRows?: number; rank?: number; strength?: number; seed?: number } = {}): PlantedSet {
  const users = options.users ?? 60;
  const items = options.items ?? 50;
  const rank = options.rank ?? 2;
  const rng = new Rng(options.seed ?? 3);
  const p = Array.from({ length: users * rank }, () => rng.normal());
  const q = Array.from({ length: items * rank }, () => rng.normal());
  const strength = options.strength ?? 3;
  return generate([users, items], options.rows ?? 6000, options.testRows ?? 2000, rng, ([u, i]) => {
    let dot = 0;
    for (let c = 0; c < rank; c++) dot += (p[(u as number) * rank + c] as number) * (q[(i as number) * rank + c] as number);
    return (strength * dot) / Math.sqrt(rank);
  });
}
