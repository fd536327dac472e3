import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@fm/layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModel, saveModel } from './node.js';
import { predict } from './predict.js';
import { fileCheckpointStore } from './file-checkpoint-store.js';
import { fit } from './fit.js';
import { toyRatings } from './test-utils/toy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('saveModel / loadModel (file://)', () => {
  it('round-trips weights, metadata and encoder JSON; predictions match', async () => {
    const ds = toyRatings();
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 3, seed: 2, initStd: 0.1 });
    await fit(model, ds, { epochs: 3, validation: false });
    const dir = join(await mkdtemp(join(tmpdir(), 'fm-train-')), 'model');
    const encoder = { fields: [{ name: 'user', vocab: ['A', 'B', 'C'] }] };
    await saveModel(model, `file://${dir}`, { encoder, meta: { task: 'regression', labelMean: 3.4, ratingRange: [1, 5] } });
    expect((await readdir(dir)).sort()).toEqual(['fm.json', 'model.json', 'weights.bin']);
    const loaded = await loadModel(dir);
    expect(loaded.meta).toMatchObject({ kind: 'fm', fieldDims: [3, 4], task: 'regression', labelMean: 3.4, ratingRange: [1, 5] });
    expect(loaded.encoder).toEqual(encoder);
    expect(Array.from(await predict(loaded.model, ds))).toEqual(Array.from(await predict(model, ds)));
    // saving again replaces the directory atomically (no temp dirs left behind)
    await saveModel(model, dir);
    expect((await readdir(join(dir, '..'))).filter((f) => f.includes('.tmp') || f.includes('.old'))).toEqual([]);
  });

  it('a directory whose weights do not match its config is a clear error', async () => {
    const model = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 1 });
    const dir = join(await mkdtemp(join(tmpdir(), 'fm-train-')), 'm');
    await saveModel(model, dir);
    const bin = await readFile(join(dir, 'weights.bin'));
    await writeFile(join(dir, 'weights.bin'), bin.subarray(0, bin.length - 8));
    await expect(loadModel(dir)).rejects.toThrow(/weights.bin has \d+ bytes but model.json's weightsManifest describes \d+ bytes/);
    // same byte count, shapes swapped in the manifest
    await writeFile(join(dir, 'weights.bin'), bin);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const specs = json.weightsManifest[0].weights as { name: string; shape: number[] }[];
    const emb = specs.find((s) => s.name.endsWith('embedding'))!;
    emb.shape = [emb.shape[1]!, emb.shape[0]!];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(/the weights do not match the model config/);
    await expect(loadModel(join(dir, 'nope'))).rejects.toThrow(/model.json: cannot read \(ENOENT\)/);
  });

  it('checkpoints to a directory and resumes from it', async () => {
    const ds = toyRatings();
    const dir = join(await mkdtemp(join(tmpdir(), 'fm-train-')), 'ck');
    const a = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 1 });
    await fit(a, ds, { epochs: 2, validation: false, checkpoint: { dir } });
    expect((await readdir(dir)).sort()).toEqual(['fm.json', 'model.json', 'trainer.bin', 'trainer.json', 'weights.bin']);
    const b = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 7 });
    const res = await fit(b, ds, { epochs: 3, validation: false, resumeFrom: dir });
    expect(res.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    const wrong = createModel('fm', { fieldDims: [3, 4], embeddingDim: 5, seed: 1 });
    await expect(fit(wrong, ds, { epochs: 3, validation: false, resumeFrom: fileCheckpointStore(dir) })).rejects.toThrow(/do not match the model's/);
  });
});
