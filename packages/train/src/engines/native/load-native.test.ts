import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, modelInit, pickModelConfig, type ModelKind } from '@fm/layers';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fit } from '../../fit.js';
import { inspectModel } from '../../model-info.js';
import { modelArtifacts } from '../../model-io.js';
import { NativeModel } from './native-model.js';
import { loadModel, loadNativeModel, saveModel } from '../../node.js';
import { predict } from '../../predict.js';
import { warmStart } from '../../warm-start.js';
import { FieldSchema, SparseDataset } from '@fm/data';
import { syntheticRatings } from '../../test-utils/toy.js';

// loadNativeModel reads a saved LR/FM/FFM/MF model's weights from disk straight into native arrays.
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fm-native-load-'));
});
afterAll(async () => {
  await tf.setBackend('cpu');
  await rm(dir, { recursive: true, force: true });
});

const ds = syntheticRatings(30, 40, 300, 2);

describe.each(['cpu', 'wasm'])('loadNativeModel on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  const cases: [string, ModelKind, Record<string, unknown>][] = [
    ['lr', 'lr', {}],
    ['fm', 'fm', {}],
    ['ffm', 'ffm', {}],
    ['ffm without normalisation', 'ffm', { normalize: false }],
    ['mf', 'mf', {}],
  ];
  it.each(cases)('%s: the saved weights, metadata and encoder; the same scores as the tfjs model', async (name, kind, extra) => {
    const model = createModel(kind, pickModelConfig(kind, { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 3, initStd: 0.1, ...extra }));
    await fit(model, ds, { epochs: 1, batchSize: 16, validation: false });
    const out = join(dir, `${backend}-${name.replace(/ /g, '-')}`);
    await saveModel(model, out, { encoder: { fields: ['u', 'i'] }, meta: { task: 'regression' } });
    const tfjs = await loadModel(out);
    const native = await loadNativeModel(out);
    expect(native).toBeDefined();
    const m = native!.model;
    expect(m.kind).toBe(kind);
    expect(m.fieldDims).toEqual(ds.schema.fieldDims);
    expect(native!.meta).toEqual(tfjs.meta);
    expect(native!.encoder).toEqual({ fields: ['u', 'i'] });
    // every weight, exactly: bias, linear table, factor table
    const info = inspectModel(model);
    const of = (group: string) => info.params.filter((p) => p.group === group).flatMap((p) => Array.from(p.weight.read().dataSync()));
    expect(Array.from(m.params.bias)).toEqual(of('bias'));
    expect(Array.from(m.params.linear)).toEqual(of('linear'));
    expect(Array.from(m.params.factors)).toEqual(of('factors'));
    expect(m.params.normalize).toBe(kind === 'ffm' && extra['normalize'] !== false);
    // how its table was drawn, read from the saved configs (a warm start draws new ids' rows the same way)
    expect(m.init).toEqual(kind === 'lr' ? { initStd: 0.01 } : { initStd: 0.1, seed: 3 }); // lr has no table to draw
    const want = await predict(tfjs.model, ds, { engine: 'tfjs' });
    const got = await predict(m, ds);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i] as number, 4));
    tfjs.model.dispose();
    model.dispose();
  });

  it.each([
    ['lr', 'lr', {}],
    ['fm', 'fm', {}],
    ['ffm', 'ffm', {}],
    ['ffm without normalisation', 'ffm', { normalize: false }],
    ['mf', 'mf', {}],
  ] as const)('%s: a NativeModel saves (no tfjs copy) what its layers equivalent saves, and loads back both ways', async (name, kind, extra) => {
    const nm = NativeModel.create(kind, { fieldDims: ds.schema.fieldDims, embeddingDim: 3, seed: 6, initStd: 0.1, ...extra });
    await fit(nm, ds, { epochs: 1, batchSize: 8, validation: false });
    const out = join(dir, `${backend}-native-${name.replace(/ /g, '-')}`);
    await saveModel(nm, out, { meta: { task: 'regression' } });
    const layers = nm.toLayersModel();
    const want = await modelArtifacts(layers, { meta: { task: 'regression' } });
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    const got = json.weightsManifest[0].weights as tf.io.WeightsManifestEntry[];
    // layer names carry tfjs's build counters; the rest is the same
    const unnamed = (specs: tf.io.WeightsManifestEntry[]) => specs.map(({ name: _n, ...rest }) => rest);
    expect(unnamed(got)).toEqual(unnamed(want.weightSpecs ?? []));
    const configs = (topology: unknown) => (topology as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } }).config.layers.map((l) => {
      const { name: _n, ...config } = l.config;
      return [l.class_name, config];
    });
    expect(configs(json.modelTopology)).toEqual(configs(want.modelTopology));
    expect(json.userDefinedMetadata.fm.meta).toMatchObject({ kind, fieldDims: ds.schema.fieldDims, task: 'regression' });
    expect(new Uint8Array(await readFile(join(out, json.weightsManifest[0].paths[0])))).toEqual(new Uint8Array(want.weightData as ArrayBuffer));
    const viaTfjs = await loadModel(out);
    const p1 = await predict(viaTfjs.model, ds, { engine: 'tfjs' });
    const p0 = await predict(nm, ds);
    p1.forEach((x, i) => expect(x).toBeCloseTo(p0[i] as number, 4));
    const back = (await loadNativeModel(out))!.model;
    expect(Array.from(back.params.factors)).toEqual(Array.from(nm.params.factors));
    expect(Array.from(back.params.linear)).toEqual(Array.from(nm.params.linear));
    expect(Array.from(back.params.bias)).toEqual(Array.from(nm.params.bias));
    viaTfjs.model.dispose();
    layers.dispose();
  });

  it("a NativeModel's save records its initialiser (initStd, seed): loaded either way, and grown by warm start, as created", async () => {
    const model = NativeModel.create('ffm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 9, initStd: 0.05 });
    const out = join(dir, `${backend}-native-init`);
    await saveModel(model, out);
    expect((await loadNativeModel(out))!.model.init).toEqual({ initStd: 0.05, seed: 9 });
    const tfjs = await loadModel(out);
    expect(modelInit(tfjs.model)).toEqual({ initStd: 0.05, seed: 9 });
    tfjs.model.dispose();
  });

  it.each(['fm', 'ffm'] as const)("%s over multi-hot rows: the save records the row width, so loadModel's tfjs model scores the training rows", async (kind) => {
    // user, item and a bag of up to 5 tags: rows of 2-7 entries, more than the 3 fields
    const schema = new FieldSchema([
      { name: 'user', kind: 'categorical', cardinality: 6 },
      { name: 'item', kind: 'categorical', cardinality: 5 },
      { name: 'tags', kind: 'multi-hot', cardinality: 8 },
    ]);
    const ids: number[] = [];
    const values: number[] = [];
    const offsets = [0];
    for (let r = 0; r < 40; r++) {
      ids.push(schema.globalId('user', r % 6), schema.globalId('item', (r * 3) % 5));
      values.push(1, 1);
      for (let t = 0; t < r % 6; t++) {
        ids.push(schema.globalId('tags', (r + 2 * t) % 8));
        values.push(0.5);
      }
      offsets.push(ids.length);
    }
    const bags = new SparseDataset({ schema, labels: Float32Array.from({ length: 40 }, (_, r) => (r % 5) - 2), offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), values: Float32Array.from(values) });
    expect(bags.maxRowLength).toBe(7);
    const nm = NativeModel.create(kind, { fieldDims: schema.fieldDims, embeddingDim: 3, seed: 2, initStd: 0.1, width: bags.maxRowLength });
    await fit(nm, bags, { epochs: 1, validation: false });
    const out = join(dir, `${backend}-native-width-${kind}`);
    await saveModel(nm, out);
    const viaTfjs = await loadModel(out);
    expect(viaTfjs.model.inputs[0]?.shape).toEqual([null, 7]);
    const want = await predict(nm, bags);
    const got = await predict(viaTfjs.model, bags, { engine: 'tfjs' });
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i] as number, 4));
    // loaded natively, converted, and grown by a warm start, the width stays
    const back = (await loadNativeModel(out))!.model;
    expect(back.width).toBe(7);
    const layers = back.toLayersModel();
    expect(layers.inputs[0]?.shape).toEqual([null, 7]);
    expect(NativeModel.fromLayersModel(layers).width).toBe(7);
    const grown = new FieldSchema([
      { name: 'user', kind: 'categorical', cardinality: 7 },
      { name: 'item', kind: 'categorical', cardinality: 5 },
      { name: 'tags', kind: 'multi-hot', cardinality: 8 },
    ]);
    expect((await warmStart(back, schema, grown)).model.width).toBe(7);
    // without it: createModel's default, one slot per field
    expect(NativeModel.create(kind, { fieldDims: schema.fieldDims }).width).toBe(3);
    layers.dispose();
    viaTfjs.model.dispose();
  });

  it('weights split over two files (at an odd byte) read the same', async () => {
    const model = createModel('ffm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 4, initStd: 0.1 });
    const out = join(dir, `${backend}-split`);
    await saveModel(model, out);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    const [path] = json.weightsManifest[0].paths as string[];
    const bytes = await readFile(join(out, path!));
    const cut = 4 * 37 + 1;
    await writeFile(join(out, `${path}.a`), bytes.subarray(0, cut));
    await writeFile(join(out, `${path}.b`), bytes.subarray(cut));
    json.weightsManifest[0].paths = [`${path}.a`, `${path}.b`];
    await writeFile(join(out, 'model.json'), JSON.stringify(json));
    await rm(join(out, 'fm.json'));
    const native = await loadNativeModel(out);
    const tfjs = await loadModel(out);
    const table = inspectModel(tfjs.model).params.find((p) => p.group === 'factors')!;
    expect(Array.from(native!.model.params.factors)).toEqual(Array.from(table.weight.read().dataSync()));
    tfjs.model.dispose();
    model.dispose();
  });

  it('models the native kernels cannot run resolve to undefined; a short weights file is an error naming it', async () => {
    const deep = createModel('deepfm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 1 });
    await saveModel(deep, join(dir, `${backend}-deepfm`));
    expect(await loadNativeModel(join(dir, `${backend}-deepfm`))).toBeUndefined();
    const scaled = createModel('mf', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 1, ratingRange: [1, 5] });
    await saveModel(scaled, join(dir, `${backend}-mf-range`));
    expect(await loadNativeModel(join(dir, `${backend}-mf-range`))).toBeUndefined();
    const fm = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 4, seed: 1 });
    const out = join(dir, `${backend}-short`);
    await saveModel(fm, out);
    const json = JSON.parse(await readFile(join(out, 'model.json'), 'utf8'));
    const w = join(out, json.weightsManifest[0].paths[0]);
    await writeFile(w, (await readFile(w)).subarray(8));
    await expect(loadNativeModel(out)).rejects.toThrow(/weights\.bin has \d+ bytes but model\.json's weightsManifest describes \d+/);
    deep.dispose();
    scaled.dispose();
    fm.dispose();
  });
});
