import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, pickModelConfig, type ModelKind } from '@fm/layers';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fit } from '../../fit.js';
import { inspectModel } from '../../model-info.js';
import { loadModel, loadNativeModel, saveModel } from '../../node.js';
import { predict } from '../../predict.js';
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
    const want = await predict(tfjs.model, ds, { engine: 'tfjs' });
    const got = await predict(m, ds);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i] as number, 4));
    tfjs.model.dispose();
    model.dispose();
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
