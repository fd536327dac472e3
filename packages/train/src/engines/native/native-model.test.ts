import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../../node.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpointStore } from '../../checkpoint.js';
import { fit } from '../../fit.js';
import { loadModel, saveModel } from '../../model-io.js';
import { predict } from '../../predict.js';
import { syntheticRatings } from '../../test-utils/toy.js';
import { NativeModel } from './native-model.js';
import { createModel, itemFactors, pickModelConfig } from '@fm/layers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('NativeModel', () => {
  for (const kind of ['fm', 'ffm', 'lr', 'mf'] as const) {
    it(`${kind}: trains exactly like the same weights in a LayersModel, converts both ways, saves in the one format`, async () => {
      const ds = syntheticRatings(30, 40, 600, 2);
      const a = NativeModel.create(kind, { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 5, initStd: 0.1 });
      const b = a.toLayersModel();
      const opts = { epochs: 3, batchSize: 8, optimizer: 'adagrad', learningRate: 0.05, seed: 1, validation: { fraction: 0.2 } } as const;
      const ra = await fit(a, ds, opts);
      const rb = await fit(b, ds, { ...opts, engine: 'native' });
      expect(ra.engine).toBe('native');
      expect(ra.engineReason).toMatch(/NativeModel/);
      expect(ra.history.map((h) => h.loss)).toEqual(rb.history.map((h) => h.loss));
      const pa = await predict(a, ds);
      const pb = await predict(b, ds, { engine: 'tfjs' });
      pa.forEach((x, i) => expect(x).toBeCloseTo(pb[i] as number, 4));
      const back = NativeModel.fromLayersModel(b);
      expect(Array.from(back.params.factors)).toEqual(Array.from(a.params.factors));
      // saved through the layers format, loaded as a LayersModel
      let saved: tf.io.ModelArtifacts | undefined;
      await saveModel(a, tf.io.withSaveHandler(async (art) => {
        saved = art;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(art) };
      }));
      const loaded = await loadModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      const pl = await predict(loaded.model, ds, { engine: 'tfjs' });
      pl.forEach((x, i) => expect(x).toBeCloseTo(pa[i] as number, 4));
      await expect(fit(a, ds, { engine: 'tfjs' })).rejects.toThrow(/toLayersModel/);
    });
  }

  it.each(['lr', 'fm', 'ffm', 'mf'] as const)('%s: create() starts from the weights createModel draws for the same config', (kind) => {
    for (const cfg of [{ seed: 3 }, { seed: 11, initStd: 0.2, embeddingDim: 5 }, { seed: 2, normalize: false }]) {
      const tensors = tf.memory().numTensors;
      const a = NativeModel.create(kind, { fieldDims: [5, 7], ...cfg });
      expect(tf.memory().numTensors).toBe(tensors); // no tfjs involved
      const layers = createModel(kind, pickModelConfig(kind, { fieldDims: [5, 7], ...cfg }));
      const b = NativeModel.fromLayersModel(layers);
      expect(Array.from(a.params.factors)).toEqual(Array.from(b.params.factors));
      expect(Array.from(a.params.linear)).toEqual(Array.from(b.params.linear));
      expect(Array.from(a.params.bias)).toEqual(Array.from(b.params.bias));
      expect(a.params.normalize).toBe(b.params.normalize);
      expect(a.countParams()).toBe(layers.countParams());
      layers.dispose();
    }
    // seed 0 (or none), which createModel's layers may take as "draw at random": still the same model twice
    expect(Array.from(NativeModel.create(kind, { fieldDims: [5, 7] }).params.factors)).toEqual(Array.from(NativeModel.create(kind, { fieldDims: [5, 7], seed: 0 }).params.factors));
  });

  it.each(['fm', 'ffm', 'mf'] as const)("%s: fieldFactors gives @fm/layers' itemFactors / userFactors of the same weights", async (kind) => {
    const fieldDims = kind === 'mf' ? [4, 6] : [4, 6, 3]; // mf: (user, item)
    const a = NativeModel.create(kind, { fieldDims, embeddingDim: 3, seed: 7, initStd: 0.3 });
    const layers = a.toLayersModel();
    for (const [field, toward] of [[1, 0], [0, 1], [2, 1], [1, 2]].filter(([f, t]) => f! < fieldDims.length && t! < fieldDims.length) as [number, number][]) {
      const want = itemFactors(layers, field, toward);
      const got = a.fieldFactors(field, toward);
      expect(got.k).toBe(want.shape[1]);
      expect(Array.from(got.values)).toEqual(Array.from(await want.data()));
      want.dispose();
    }
    layers.dispose();
    expect(() => a.fieldFactors(3, 0)).toThrow(new RegExp(`field 3 is out of range: the model has ${fieldDims.length} fields`));
  });

  it('createAsync draws the table create draws, in pieces with progress, and stops between pieces once aborted', async () => {
    for (const seed of [0, 6]) {
      // 1.3M features × k 16 = 20.8M values: two pieces
      const cfg = { fieldDims: [1_000_000, 300_000], embeddingDim: 16, seed };
      const want = NativeModel.create('fm', cfg);
      const seen: [number, number][] = [];
      const got = await NativeModel.createAsync('fm', cfg, { onProgress: (done, total) => seen.push([done, total]) });
      expect(seen).toEqual([[1 << 24, 20_800_000], [20_800_000, 20_800_000]]);
      const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
      expect(bytes(got.params.factors).equals(bytes(want.params.factors))).toBe(true);
      expect(got.init).toEqual(want.init);
    }
    const ac = new AbortController();
    let calls = 0;
    const stopped = NativeModel.createAsync('fm', { fieldDims: [1_000_000, 300_000], seed: 2 }, {
      signal: ac.signal,
      onProgress: () => {
        calls++;
        ac.abort(new Error('stop'));
      },
    });
    await expect(stopped).rejects.toThrow('stop');
    expect(calls).toBe(1);
    // lr has no table to draw: no progress at all
    const lr: number[] = [];
    await NativeModel.createAsync('lr', { fieldDims: [3, 4] }, { onProgress: (d) => lr.push(d) });
    expect(lr).toEqual([]);
  });

  it('fieldFactors: an lr model has none', () => {
    expect(() => NativeModel.create('lr', { fieldDims: [4, 6] }).fieldFactors(1, 0)).toThrow(/lr model has no factor table/);
  });

  it('checkpoints and resumes', async () => {
    const ds = syntheticRatings(20, 15, 200, 3);
    const opts = { batchSize: 10, seed: 4, validation: { fraction: 0.2 }, earlyStopping: { patience: 50 }, optimizer: 'adam' } as const;
    const full = NativeModel.create('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 8, initStd: 0.1 });
    const fullRes = await fit(full, ds, { ...opts, epochs: 4 });
    const store = memoryCheckpointStore();
    await fit(NativeModel.create('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 8, initStd: 0.1 }), ds, { ...opts, epochs: 2, checkpoint: { store } });
    const resumed = NativeModel.create('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 99, initStd: 0.1 });
    const res = await fit(resumed, ds, { ...opts, epochs: 4, resumeFrom: store });
    expect(res.history.map((h) => h.loss)).toEqual(fullRes.history.map((h) => h.loss));
    expect(Array.from(resumed.params.factors)).toEqual(Array.from(full.params.factors));
    // a directory checkpoint too (written streamed from the arrays)
    const dir = await mkdtemp(join(tmpdir(), 'fm-native-ck-'));
    try {
      await fit(NativeModel.create('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 8, initStd: 0.1 }), ds, { ...opts, epochs: 2, checkpoint: { dir } });
      const fromDir = NativeModel.create('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 98, initStd: 0.1 });
      await fit(fromDir, ds, { ...opts, epochs: 4, resumeFrom: dir });
      expect(Array.from(fromDir.params.factors)).toEqual(Array.from(full.params.factors));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // a checkpoint of other field sizes, or another k, is refused before anything is written
    const ds2 = syntheticRatings(21, 14, 200, 3); // as many ids, in other fields
    const store2 = memoryCheckpointStore();
    await fit(NativeModel.create('fm', { fieldDims: ds2.schema.fieldDims, embeddingDim: 4, seed: 8 }), ds2, { ...opts, epochs: 1, checkpoint: { store: store2 } });
    const other = NativeModel.create('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 1 });
    const before = Array.from(other.params.factors);
    await expect(fit(other, ds, { ...opts, epochs: 4, resumeFrom: store2 })).rejects.toThrow(/the saved fm model \(fields \[\d+, \d+\], k = 4\) does not match this fm model \(fields \[\d+, \d+\], k = 4\)/);
    expect(Array.from(other.params.factors)).toEqual(before);
    const k8 = NativeModel.create('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 8, seed: 1 });
    await expect(fit(k8, ds, { ...opts, epochs: 4, resumeFrom: store })).rejects.toThrow(/k = 4\) does not match this fm model \(fields .*, k = 8\)/);
  });
});
