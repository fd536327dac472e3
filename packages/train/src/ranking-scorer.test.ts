import * as tf from '@tensorflow/tfjs';
import { createModel, type ModelKind } from '@fm/layers';
import { FieldSchema, Rng, SparseDataset, resolveUserItemFields } from '@fm/data';
import { beforeAll, describe, expect, it } from 'vitest';
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

function withWeights(kind: ModelKind): tf.LayersModel {
  const model = createModel(kind, { fieldDims: schema.fieldDims, embeddingDim: 3, seed: 2, initStd: 0.5, width: 5 });
  const rng = new Rng(4);
  model.setWeights(model.weights.map((w) => tf.tensor(Float32Array.from({ length: w.shape.reduce<number>((a, b) => a * (b ?? 1), 1) }, () => rng.normal()), w.shape as number[])));
  return model;
}

describe('rankingScorer: the native scores equal the tfjs model on the same rows', () => {
  for (const kind of ['fm', 'ffm', 'lr'] as const) {
    it(`${kind}, with user and item side features, whole catalogue and pairs`, async () => {
      const model = withWeights(kind);
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
      const pu = Int32Array.of(2, 2, 0);
      const pi = Int32Array.of(6, 1, 3);
      const p = native.scorePairs?.(pu, pi).dataSync() as Float32Array;
      const sub = viaTfjs.scoreMatrix(pu, pi).dataSync();
      p.forEach((v, j) => expect(v).toBeCloseTo(sub[j * 3 + j] as number, 4));
      tf.dispose([a, b]);
      expect(() => native.scoreMatrix(Int32Array.of(5))).toThrow(/users\[0\] = 5 is outside \[0, 5\)/);
    });
  }
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
