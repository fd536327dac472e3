// Seeded regression sets whose planted structure suits one model family, for the train-to-better-than-FM tests.
import type * as tf from '@tensorflow/tfjs';
import { FieldSchema, Rng, SparseDataset } from '@fm/data';
import { fit } from '../fit.js';
import type { FitResult } from '../fit-options.js';
import { predict } from '../predict.js';

/** A planted target: label of a row (one local id per field), before noise. */
export type PlantedTarget = (local: number[]) => number;

/** Train, validation and test rows drawn from one planted target (one categorical id per field, values 1). */
export interface PlantedSplits {
  train: SparseDataset;
  validation: SparseDataset;
  test: SparseDataset;
  /** RMSE of the noise: what a perfect model scores on test, up to sampling. */
  noise: number;
}

/** `count` random rows: uniform local ids per field, label = target + N(0, noise²). */
function rows(schema: FieldSchema, target: PlantedTarget, count: number, noise: number, rng: Rng): SparseDataset {
  const F = schema.numFields;
  const dims = schema.fieldDims;
  const ids = new Int32Array(count * F);
  const labels = new Float32Array(count);
  for (let r = 0; r < count; r++) {
    const local = dims.map((d) => rng.int(d));
    local.forEach((l, f) => (ids[r * F + f] = schema.globalId(f, l)));
    labels[r] = target(local) + noise * rng.normal();
  }
  return new SparseDataset({
    schema,
    labels,
    offsets: Int32Array.from({ length: count + 1 }, (_, r) => r * F),
    ids,
    values: new Float32Array(count * F).fill(1),
  });
}

/** Splits of `sizes` rows from `target` over categorical fields of cardinalities `fieldDims`. */
export function plantedSplits(
  fieldDims: number[],
  target: PlantedTarget,
  options: { train: number; validation: number; test: number; noise: number; seed: number },
): PlantedSplits {
  const schema = new FieldSchema(fieldDims.map((cardinality, f) => ({ name: `f${f}`, kind: 'categorical' as const, cardinality })));
  const rng = new Rng(options.seed);
  return {
    train: rows(schema, target, options.train, options.noise, rng),
    validation: rows(schema, target, options.validation, options.noise, rng),
    test: rows(schema, target, options.test, options.noise, rng),
    noise: options.noise,
  };
}

/** Seeded N(0, sd²) vectors, one per local id of each field: `[field][local][c]`. */
export function plantedFactors(fieldDims: number[], rank: number, sd: number, seed: number): number[][][] {
  const rng = new Rng(seed);
  return fieldDims.map((d) => Array.from({ length: d }, () => Array.from({ length: rank }, () => sd * rng.normal())));
}

/** Σ_c Π_f u_{f, l_f, c} over the fields `of`: a rank-`c` interaction among those fields (3 fields: a 3-way one). */
export function multilinear(factors: number[][][], local: number[], of: number[]): number {
  const rank = (factors[0]?.[0] as number[]).length;
  let total = 0;
  for (let c = 0; c < rank; c++) {
    let p = 1;
    for (const f of of) p *= factors[f]?.[local[f] as number]?.[c] as number;
    total += p;
  }
  return total;
}

/** Σ_{f<g} strength(f, g) · v_{f}ᵀ M_{f,g} v_{g} with M_{f,g} = `matrix(f, g)` (rows × columns of size k). */
export function fieldPairSum(factors: number[][][], local: number[], matrix: (f: number, g: number) => number[][]): number {
  let total = 0;
  for (let f = 0; f < factors.length; f++) {
    for (let g = f + 1; g < factors.length; g++) {
      const a = factors[f]?.[local[f] as number] as number[];
      const b = factors[g]?.[local[g] as number] as number[];
      const m = matrix(f, g);
      for (let c = 0; c < a.length; c++) for (let d = 0; d < b.length; d++) total += (a[c] as number) * ((m[c] as number[])[d] as number) * (b[d] as number);
    }
  }
  return total;
}

/** Root mean squared error of predictions against a dataset's labels. */
export function rmseOf(pred: Float32Array, ds: SparseDataset): number {
  let s = 0;
  pred.forEach((p, i) => (s += (p - (ds.labels[i] as number)) ** 2));
  return Math.sqrt(s / pred.length);
}

/**
 * Trains `model` with fit's tfjs engine (Adam, batch 250, lr 0.03, early stopping on the validation rows) and
 * returns its test RMSE and the fit result.
 */
export async function fitAndTest(model: tf.LayersModel, data: PlantedSplits): Promise<{ rmse: number; result: FitResult }> {
  const result = await fit(model, data.train, {
    engine: 'tfjs',
    epochs: 30,
    batchSize: 250,
    learningRate: 0.03,
    l2: 1e-5,
    validation: data.validation,
    earlyStopping: { patience: 4 },
    seed: 5,
  });
  return { rmse: rmseOf(await predict(model, data.test), data.test), result };
}
