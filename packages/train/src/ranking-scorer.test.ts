import * as tf from '@tensorflow/tfjs';
import { createModel, type ModelKind } from '@fm/layers';
import { FieldSchema, Rng, SparseDataset, resolveUserItemFields } from '@fm/data';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit } from './fit.js';
import { predict } from './predict.js';
import { rankingScorer } from './ranking-scorer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// user, item, then a user-side field (age) and an item-side multi-hot field (genres)
const schema = new FieldSchema([
  { name: 'user', kind: 'categorical', cardinality: 5 },
  { name: 'item', kind: 'categorical', cardinality: 7 },
  { name: 'age', kind: 'categorical', cardinality: 3 },
  { name: 'genres', kind: 'multi-hot', cardinality: 4 },
]);
const fields = resolveUserItemFields(schema);
const ageOf = (u: number) => ({ ids: [schema.globalId('age', u % 3)], values: [1] });
const genresOf = (i: number) => ({ ids: [schema.globalId('genres', i % 4), schema.globalId('genres', (i + 1) % 4)], values: [0.5, 0.5] });

function withWeights(kind: ModelKind, normalize = true): tf.LayersModel {
  const model = createModel(kind, { fieldDims: schema.fieldDims, embeddingDim: 3, seed: 2, initStd: 0.5, width: 5, ...(kind === 'ffm' ? { normalize } : {}) });
  const rng = new Rng(4);
  model.setWeights(model.weights.map((w) => tf.tensor(Float32Array.from({ length: w.shape.reduce<number>((a, b) => a * (b ?? 1), 1) }, () => rng.normal()), w.shape as number[])));
  return model;
}

describe('rankingScorer: the native scores equal the tfjs model on the same rows', () => {
  for (const [kind, normalize] of [['fm', true], ['ffm', true], ['ffm', false], ['lr', true]] as const) {
    it(`${kind}${normalize ? '' : ' without normalisation'}, with user and item side features, whole catalogue and pairs`, async () => {
      const model = withWeights(kind, normalize);
      const native = rankingScorer(model, { fields, userFeatures: ageOf, itemFeatures: genresOf });
      const viaTfjs = rankingScorer(model, { fields, userFeatures: ageOf, itemFeatures: genresOf, engine: 'tfjs' });
      expect(native.engine).toBe('native');
      expect(viaTfjs.engine).toBe('tfjs');
      const users = Int32Array.of(0, 3, 4, 1);
      const a = native.scoreMatrix(users);
      const b = viaTfjs.scoreMatrix(users);
      expect(a.shape).toEqual([4, 7]);
      const [x, y] = [a.dataSync(), b.dataSync()];
      x.forEach((v, j) => expect(v).toBeCloseTo(y[j] as number, 4));
      // runs of one user, and a user coming back after another
      const pu = Int32Array.of(2, 2, 0, 2, 0);
      const pi = Int32Array.of(6, 1, 3, 0, 5);
      const p = native.scorePairs?.(pu, pi).dataSync() as Float32Array;
      const sub = viaTfjs.scoreMatrix(pu, pi).dataSync();
      p.forEach((v, j) => expect(v).toBeCloseTo(sub[j * pu.length + j] as number, 4));
      tf.dispose([a, b]);
      expect(() => native.scoreMatrix(Int32Array.of(5))).toThrow(/users\[0\] = 5 is outside \[0, 5\)/);
    });
  }
});

describe('rankingScorer of a Bayesian model with side features', () => {
  it('scoreMatrix and scorePairs (runs of one user, users coming back) equal predict on the full rows', async () => {
    // rows: user, item, the user's age, the item's genres (as ageOf / genresOf give them)
    const rng = new Rng(8);
    const fullRow = (u: number, i: number) => ({ ids: [fields.userOffset + u, fields.itemOffset + i, ...ageOf(u).ids, ...genresOf(i).ids], values: [1, 1, ...ageOf(u).values, ...genresOf(i).values] });
    const rowsOf = (pairs: [number, number][], labels: number[]) => {
      const rows = pairs.map(([u, i]) => fullRow(u, i));
      return new SparseDataset({
        schema,
        labels: Float32Array.from(labels),
        offsets: Int32Array.from([0, ...rows.map((_, r) => rows.slice(0, r + 1).reduce((n, x) => n + x.ids.length, 0))]),
        ids: Int32Array.from(rows.flatMap((x) => x.ids)),
        values: Float32Array.from(rows.flatMap((x) => x.values)),
      });
    };
    const pairs: [number, number][] = Array.from({ length: 60 }, () => [Math.floor(rng.next() * 5), Math.floor(rng.next() * 7)]);
    const train = rowsOf(pairs, pairs.map(([u, i]) => 3 + ((u + 2 * i) % 3) - 1 + 0.3 * rng.normal()));
    const model = createModel('fm', { fieldDims: schema.fieldDims, embeddingDim: 2, seed: 1, width: 5 });
    await fit(model, train, { solver: 'mcmc', epochs: 12, seed: 5, validation: false, bayes: { burnIn: 3 } });
    const scorer = rankingScorer(model, { fields, userFeatures: ageOf, itemFeatures: genresOf });
    const all: [number, number][] = [];
    for (let u = 0; u < 5; u++) for (let i = 0; i < 7; i++) all.push([u, i]);
    const want = await predict(model, rowsOf(all, all.map(() => 0)));
    const m = scorer.scoreMatrix(Int32Array.of(0, 1, 2, 3, 4)).dataSync();
    m.forEach((x, j) => expect(x).toBeCloseTo(want[j] as number, 4));
    const pu = Int32Array.of(3, 3, 3, 1, 3, 1, 1);
    const pi = Int32Array.of(0, 6, 2, 2, 5, 4, 0);
    const p = scorer.scorePairs?.(pu, pi).dataSync() ?? [];
    expect(p.length).toBe(pu.length);
    p.forEach((x, j) => expect(x).toBeCloseTo(want[(pu[j] as number) * 7 + (pi[j] as number)] as number, 4));
    model.dispose();
  });
});

describe('predict', () => {
  it('scores natively what tfjs scores, for FM and FFM rows of any width', async () => {
    for (const kind of ['fm', 'ffm'] as const) {
      const model = withWeights(kind);
      const rows = [[0, 5, 12, 16, 17], [4, 11, 14], [2, 6, 13, 15]];
      const ds = new SparseDataset({
        schema,
        labels: new Float32Array(rows.length),
        offsets: Int32Array.from([0, ...rows.map((_, r) => rows.slice(0, r + 1).flat().length)]),
        ids: Int32Array.from(rows.flat()),
        values: Float32Array.from(rows.flat().map((id) => (id >= 15 ? 0.5 : 1))),
      });
      const a = await predict(model, ds);
      const b = await predict(model, ds, { engine: 'tfjs' });
      a.forEach((v, j) => expect(v).toBeCloseTo(b[j] as number, 4));
    }
  });
});
