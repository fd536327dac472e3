import * as tf from '@tensorflow/tfjs';
import { FieldSchema, Rng, SparseDataset } from '@fm/data';
import { createModel, type ModelKind } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { fit } from './fit.js';
import { predict } from './predict.js';
import { NativeModel } from './engines/native/native-model.js';
import { warmStart } from './warm-start.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const from = new FieldSchema([
  { name: 'user', kind: 'categorical', cardinality: 4 },
  { name: 'item', kind: 'categorical', cardinality: 5 },
  { name: 'site', kind: 'categorical', cardinality: 3 },
]);
const to = new FieldSchema([
  { name: 'user', kind: 'categorical', cardinality: 7 },
  { name: 'item', kind: 'categorical', cardinality: 5 },
  { name: 'site', kind: 'categorical', cardinality: 6 },
]);

/** `rows` one-id-per-field rows of local ids below `limit[f]`, encoded under `schema`; labels 0/1. */
function rowsOf(schema: FieldSchema, local: Int32Array, labels: Float32Array): SparseDataset {
  const F = schema.numFields;
  const n = labels.length;
  const ids = new Int32Array(n * F);
  const fields = new Int32Array(n * F);
  for (let i = 0; i < n * F; i++) {
    const f = i % F;
    fields[i] = f;
    ids[i] = (schema.offsets[f] as number) + (local[i] as number);
  }
  const offsets = Int32Array.from({ length: n + 1 }, (_, r) => r * F);
  return new SparseDataset({ schema, labels, offsets, ids, values: new Float32Array(n * F).fill(1), fields });
}

function localIds(n: number, dims: readonly number[], seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n * dims.length }, (_, i) => Math.floor(rng.next() * (dims[i % dims.length] as number)));
}

/** Every weight set to random values (fresh linear weights and biases are zeros: too easy to copy by accident). */
function randomize(model: tf.LayersModel, seed: number): void {
  for (const [i, w] of model.weights.entries()) w.write(tf.randomNormal(w.shape as number[], 0, 0.3, 'float32', seed + i));
}

describe('warmStart', () => {
  for (const kind of ['fm', 'ffm', 'deepfm'] as ModelKind[]) {
    it(`${kind}: rows with only old ids score exactly as the saved model before any training`, async () => {
      const saved = createModel(kind, { fieldDims: from.fieldDims, width: 3, embeddingDim: 4, seed: 1 });
      randomize(saved, 11);
      const { model, report } = await warmStart(saved, from, to);
      expect(report.newRows).toBeGreaterThan(0);
      expect(model.weights.map((w) => w.shape[0] === to.numFeatures).filter(Boolean).length).toBeGreaterThan(0);
      const local = localIds(200, from.fieldDims, 3);
      const labels = new Float32Array(200);
      const a = await predict(saved, rowsOf(from, local, labels), { engine: 'tfjs' });
      const b = await predict(model, rowsOf(to, local, labels), { engine: 'tfjs' });
      expect(Array.from(b)).toEqual(Array.from(a));
      saved.dispose();
      model.dispose();
    });
  }

  it('keeps old rows, initialises new rows as a fresh model, and training then learns the new ids', async () => {
    const saved = createModel('fm', { fieldDims: from.fieldDims, width: 3, embeddingDim: 4, seed: 1 });
    randomize(saved, 5);
    const { model } = await warmStart(saved, from, to);
    const table = (m: tf.LayersModel, n: number) => m.weights.find((w) => w.shape[0] === n && w.shape[1] === 4) as tf.LayerVariable;
    const oldF = table(saved, from.numFeatures).read().arraySync() as number[][];
    const before = table(model, to.numFeatures).read().arraySync() as number[][];
    // user 2 of the old schema is global 2 in both; item 0 moves from 4 to 7 (user grew by 3); site 1 from 10 to 13
    expect(before[2]).toEqual(oldF[2]);
    expect(before[7]).toEqual(oldF[4]);
    expect(before[13]).toEqual(oldF[10]);
    // new user ids 4..6 start from the initialiser, not zeros, not copies
    for (const r of [4, 5, 6]) expect(before[r]?.some((x) => x !== 0)).toBe(true);
    // new data: the new users click, the old ones do not
    const local = localIds(2000, to.fieldDims, 9);
    const labels = Float32Array.from({ length: 2000 }, (_, r) => ((local[3 * r] as number) >= 4 ? 1 : 0));
    await fit(model, rowsOf(to, local, labels), { task: 'binary', epochs: 3, validation: false, seed: 2 });
    const after = table(model, to.numFeatures).read().arraySync() as number[][];
    for (const r of [4, 5, 6]) expect(after[r]).not.toEqual(before[r]);
    const scores = await predict(model, rowsOf(to, local, labels));
    let newMean = 0;
    let oldMean = 0;
    for (let r = 0; r < 2000; r++) {
      if ((labels[r] as number) === 1) newMean += (scores[r] as number) / 2000;
      else oldMean += (scores[r] as number) / 2000;
    }
    const nNew = labels.reduce((s, y) => s + y, 0);
    expect(newMean * (2000 / nNew)).toBeGreaterThan(oldMean * (2000 / (2000 - nNew)) + 1);
    saved.dispose();
    model.dispose();
  });

  for (const kind of ['lr', 'fm', 'ffm', 'mf'] as const) {
    it(`${kind}: a NativeModel grows into the NativeModel the tfjs warm start of the same weights gives`, async () => {
      const [a, b] = kind === 'mf' ? [new FieldSchema(from.fields.slice(0, 2)), new FieldSchema(to.fields.slice(0, 2))] : [from, to];
      const saved = NativeModel.create(kind, { fieldDims: a.fieldDims, embeddingDim: 3, seed: 4, initStd: 0.2 });
      const rng = new Rng(8);
      for (const arr of [saved.params.bias, saved.params.linear, saved.params.factors]) for (let i = 0; i < arr.length; i++) arr[i] = rng.next() - 0.5;
      const layers = saved.toLayersModel();
      const want = await warmStart(layers, a, b);
      const got = await warmStart(saved, a, b);
      expect(got.model).toBeInstanceOf(NativeModel);
      expect(got.report).toEqual(want.report);
      const w = NativeModel.fromLayersModel(want.model);
      for (const key of ['bias', 'linear', 'factors'] as const) expect(Array.from(got.model.params[key])).toEqual(Array.from(w.params[key]));
      expect(got.model.init).toEqual(saved.init);
      // new user 4's row is drawn, not zeros (the tfjs warm start draws it from the saved model's initialiser)
      const row = got.model.params.factors.length / b.numFeatures;
      if (kind !== 'lr') expect(got.model.params.factors.subarray(4 * row, 5 * row).some((x) => x !== 0)).toBe(true);
      layers.dispose();
      want.model.dispose();
    });
  }

  it('reuse: a NativeModel whose schema did not grow is handed over as it is (no second table); one that grew is copied', async () => {
    const saved = NativeModel.create('ffm', { fieldDims: from.fieldDims, embeddingDim: 2, seed: 4 });
    const same = await warmStart(saved, from, from, { reuse: true });
    expect(same.model.params.factors).toBe(saved.params.factors);
    expect(same.report).toEqual({ copiedRows: 2 * from.numFeatures, newRows: 0, denseWeights: 1 });
    expect((await warmStart(saved, from, from)).model.params.factors).not.toBe(saved.params.factors);
    const seen: [number, number][] = [];
    const grown = await warmStart(saved, from, to, { reuse: true, onProgress: (d, t) => seen.push([d, t]) });
    expect(grown.model.fieldDims).toEqual(to.fieldDims);
    expect(grown.report.newRows).toBe(2 * (to.numFeatures - from.numFeatures));
    // the grown table's draw reports its progress and stops on an abort
    expect(seen).toEqual([[to.numFeatures * 3 * 2, to.numFeatures * 3 * 2]]);
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    await expect(warmStart(saved, from, to, { signal: ac.signal })).rejects.toThrow('stop');
  });

  it('refuses a schema that is not a growth of the saved one', async () => {
    const saved = createModel('fm', { fieldDims: from.fieldDims, width: 3, embeddingDim: 2, seed: 1 });
    const shrunk = new FieldSchema([{ name: 'user', kind: 'categorical', cardinality: 2 }, ...to.fields.slice(1)]);
    await expect(warmStart(saved, from, shrunk)).rejects.toThrow('field "user" shrank from 4 to 2 ids');
    await expect(warmStart(saved, to, to)).rejects.toThrow('built for fieldDims [4, 5, 3]');
    saved.dispose();
  });
});
