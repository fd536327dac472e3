import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@fm/layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isModelDir, loadModel, saveModel } from './node.js';
import { predict } from './predict.js';
import { fileCheckpointStore } from './file-checkpoint-store.js';
import { fit } from './fit.js';
import { memoryCheckpointStore, type TrainerStateJSON } from './checkpoint.js';
import { toyRatings } from './test-utils/toy.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const roots: string[] = [];
/** A fresh folder under a temporary root (removed after the file's tests). */
const newDir = async (name: string) => {
  const root = await mkdtemp(join(tmpdir(), 'fm-train-'));
  roots.push(root);
  return join(root, name);
};
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});
const versionDirs = async (dir: string) => (await readdir(dir)).filter((f) => f.startsWith('v-'));

async function trained(seed: number): Promise<tf.LayersModel> {
  const model = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed, initStd: 0.1 });
  await fit(model, toyRatings(), { epochs: 2, validation: false });
  return model;
}

async function scores(dir: string): Promise<number[]> {
  const loaded = await loadModel(dir);
  try {
    return Array.from(await predict(loaded.model, toyRatings()));
  } finally {
    loaded.model.dispose();
  }
}

describe('saveModel / loadModel (file://)', () => {
  it('round-trips weights, metadata, encoder JSON and extra files; predictions match', async () => {
    const ds = toyRatings();
    const model = createModel('fm', { fieldDims: ds.schema.fieldDims, embeddingDim: 3, seed: 2, initStd: 0.1 });
    await fit(model, ds, { epochs: 3, validation: false });
    const dir = await newDir('model');
    const encoder = { fields: [{ name: 'user', vocab: ['A', 'B', 'C'] }] };
    const pairs = new Uint8Array([1, 2, 3, 4]);
    await saveModel(model, `file://${dir}`, { encoder, meta: { task: 'regression', labelMean: 3.4, ratingRange: [1, 5] }, files: { 'interactions.bin': pairs } });
    const [v] = await versionDirs(dir);
    expect((await readdir(dir)).sort()).toEqual(['fm.json', 'model.json', v]);
    expect((await readdir(join(dir, v!))).sort()).toEqual(['encoder.json', 'interactions.bin', 'weights.bin']);
    // model.json is a plain tfjs layers model: its manifest points at the version folder
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual([`${v}/weights.bin`]);
    const loaded = await loadModel(dir);
    expect(loaded.meta).toMatchObject({ format: 'fm-model', version: 2, kind: 'fm', fieldDims: [3, 4], task: 'regression', labelMean: 3.4, ratingRange: [1, 5] });
    expect(loaded.encoder).toEqual(encoder);
    expect(Array.from(loaded.files?.['interactions.bin'] ?? [])).toEqual([1, 2, 3, 4]);
    expect(Array.from(await predict(loaded.model, ds))).toEqual(Array.from(await predict(model, ds)));
    expect(await isModelDir(dir)).toBe(true);
    expect(await isModelDir(join(dir, v!))).toBe(false);
    // saving again replaces the model as one unit: the old version folder and its extra files go
    await saveModel(model, dir);
    const after = await versionDirs(dir);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(v);
    expect((await readdir(join(dir, after[0]!))).sort()).toEqual(['weights.bin']);
    expect((await loadModel(dir)).files).toBeUndefined();
    expect((await readdir(join(dir, '..'))).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('the directory holds the old or the new complete model at every step of a save', async () => {
    const [a, b] = [await trained(1), await trained(5)];
    const old = await newDir('old');
    const neu = await newDir('new');
    await saveModel(a, old);
    await saveModel(b, neu);
    const oldScores = await scores(old);
    const newScores = await scores(neu);
    expect(oldScores).not.toEqual(newScores);
    const [ov] = await versionDirs(old);
    const [nv] = await versionDirs(neu);
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    // Each state a killed save leaves, built from the two real saves; the killed process is `dead`.
    const deadV = nv!.replace(/-\d+$/, `-${dead}`);
    const states: [string, (d: string) => Promise<void>, number[]][] = [
      ['new version folder half written', async (d) => {
        await mkdir(join(d, deadV));
        await writeFile(join(d, deadV, 'weights.bin'), 'partial');
      }, oldScores],
      ['new version folder written, model.json not yet replaced', async (d) => cp(join(neu, nv!), join(d, nv!), { recursive: true }), oldScores],
      ['model.json replaced, fm.json still the old copy', async (d) => {
        await cp(join(neu, nv!), join(d, nv!), { recursive: true });
        await cp(join(neu, 'model.json'), join(d, 'model.json'));
      }, newScores],
      ['both replaced, old version folder not yet removed', async (d) => {
        await cp(join(neu, nv!), join(d, nv!), { recursive: true });
        await cp(join(neu, 'model.json'), join(d, 'model.json'));
        await cp(join(neu, 'fm.json'), join(d, 'fm.json'));
      }, newScores],
    ];
    for (const [what, make, expected] of states) {
      const d = await newDir('state');
      await cp(old, d, { recursive: true });
      await make(d);
      expect(await scores(d), what).toEqual(expected);
      // the next save cleans what the killed one left
      await saveModel(b, d);
      expect(await versionDirs(d), what).toHaveLength(1);
      expect(await scores(d), what).toEqual(newScores);
    }
    expect(ov).toBeDefined();
  });

  it('fm.json is checked against model.json, and the metadata against the layers', async () => {
    const model = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 1 });
    const dir = await newDir('m');
    await saveModel(model, dir, { meta: { task: 'regression' } });
    const fmJson = JSON.parse(await readFile(join(dir, 'fm.json'), 'utf8'));
    fmJson.meta.fieldDims = [3, 9];
    await writeFile(join(dir, 'fm.json'), JSON.stringify(fmJson));
    await expect(loadModel(dir)).rejects.toThrow(
      `${join(dir, 'fm.json')}: "meta.fieldDims[1]" is 9, but model.json (which fm reads) has 4; fm.json is a copy for reading: restore it or delete it`,
    );
    await rm(join(dir, 'fm.json'));
    expect((await loadModel(dir)).meta.fieldDims).toEqual([3, 4]); // model.json alone is enough
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    json.userDefinedMetadata.fm.meta.fieldDims = [3, 9];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(/the metadata says fieldDims \[3,9\], but the model's layers were built for \[3,4\]/);
  });

  it('a directory whose weights do not match its config is a clear error', async () => {
    const model = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 1 });
    const dir = await newDir('m');
    await saveModel(model, dir);
    const [v] = await versionDirs(dir);
    const weights = join(dir, v!, 'weights.bin');
    const bin = await readFile(weights);
    await writeFile(weights, bin.subarray(0, bin.length - 8));
    await expect(loadModel(dir)).rejects.toThrow(/weights.bin has \d+ bytes but model.json's weightsManifest describes \d+ bytes/);
    // same byte count, shapes swapped in the manifest
    await writeFile(weights, bin);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const specs = json.weightsManifest[0].weights as { name: string; shape: number[] }[];
    const emb = specs.find((s) => s.name.endsWith('embedding'))!;
    emb.shape = [emb.shape[1]!, emb.shape[0]!];
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow(/the weights do not match the model config/);
    await expect(loadModel(join(dir, 'nope'))).rejects.toThrow(/model.json: cannot read \(ENOENT\)/);
  });

  it('loads a version 1 directory (weights.bin and fm.json with the metadata) and replaces it cleanly', async () => {
    const model = await trained(3);
    const dir = await newDir('v1');
    await saveModel(model, dir, { encoder: { x: 1 }, meta: { task: 'regression' } });
    const want = await scores(dir);
    // rewrite it in the version 1 layout
    const [v] = await versionDirs(dir);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    const fm = json.userDefinedMetadata.fm;
    delete json.userDefinedMetadata;
    json.weightsManifest[0].paths = ['weights.bin'];
    await rename(join(dir, v!, 'weights.bin'), join(dir, 'weights.bin'));
    await rm(join(dir, v!), { recursive: true });
    await writeFile(join(dir, 'model.json'), JSON.stringify(json));
    await writeFile(join(dir, 'fm.json'), JSON.stringify({ meta: { ...fm.meta, version: 1 }, encoder: { x: 1 } }));
    const loaded = await loadModel(dir);
    expect(loaded.meta).toMatchObject({ version: 1, kind: 'fm', task: 'regression' });
    expect(loaded.encoder).toEqual({ x: 1 });
    expect(await scores(dir)).toEqual(want);
    await saveModel(model, dir);
    expect((await readdir(dir)).filter((f) => !f.startsWith('v-')).sort()).toEqual(['fm.json', 'model.json']);
  });

  for (const engine of ['tfjs', 'native'] as const) {
    it(`${engine}: a directory checkpoint is written streamed with the bytes a whole-buffer save writes, and resumes to the uninterrupted run`, async () => {
      const ds = toyRatings();
      // validation labels unrelated to training: later epochs get worse, so the best weights are stored too
      const val = ds.select(Int32Array.from({ length: ds.numRows }, (_, i) => i));
      val.labels.fill(1);
      const opts = { engine, batchSize: 4, learningRate: 0.05, optimizer: 'adam', validation: val, earlyStopping: { patience: 50 }, seed: 2 } as const;
      const model = () => createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 1 });
      const full = model();
      await fit(full, ds, { ...opts, epochs: 6 });
      const dir = await newDir(`ck-${engine}`);
      const mem = memoryCheckpointStore();
      await fit(model(), ds, { ...opts, epochs: 4, checkpoint: { dir } });
      await fit(model(), ds, { ...opts, epochs: 4, checkpoint: { store: mem } });
      const [v] = await versionDirs(dir);
      const trainer = JSON.parse(await readFile(join(dir, v!, 'trainer.json'), 'utf8')) as TrainerStateJSON;
      expect(trainer.best.length).toBeGreaterThan(0);
      expect(trainer.bestEpoch).toBeLessThan(4);
      expect(new Uint8Array(await readFile(join(dir, v!, 'trainer.bin')))).toEqual(mem.data!.trainerData);
      expect(new Uint8Array(await readFile(join(dir, v!, 'weights.bin')))).toEqual(new Uint8Array(mem.data!.artifacts.weightData as ArrayBuffer));
      const resumed = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 9 });
      await fit(resumed, ds, { ...opts, epochs: 6, resumeFrom: dir });
      expect(resumed.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(full.getWeights().map((w) => Array.from(w.dataSync())));
    });
  }

  it('a save that fails keeps the model already in the directory, whichever process wrote it', async () => {
    const dir = await newDir('keep');
    const first = await trained(3);
    const want = first.getWeights().map((w) => Array.from(w.dataSync()));
    for (const round of ['this process', 'another process'] as const) {
      await saveModel(first, dir);
      if (round === 'another process') {
        // the committed version as a finished `fm train` (another, exited pid) leaves it
        const [v] = await versionDirs(dir);
        const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
        const moved = v!.replace(/-\d+$/, `-${dead}`);
        await rename(join(dir, v!), join(dir, moved));
        for (const f of ['model.json', 'fm.json']) await writeFile(join(dir, f), (await readFile(join(dir, f), 'utf8')).split(v!).join(moved));
      }
      const other = await trained(4);
      await expect(saveModel(other, dir, { files: { '../escape': 'x' } })).rejects.toThrow(/must be a plain file name/);
      const loaded = await loadModel(dir);
      expect(loaded.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(want);
    }
  });

  it('checkpoints to a directory and resumes from it', async () => {
    const ds = toyRatings();
    const dir = await newDir('ck');
    const a = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 1 });
    await fit(a, ds, { epochs: 2, validation: false, checkpoint: { dir } });
    const [v] = await versionDirs(dir);
    expect((await readdir(join(dir, v!))).sort()).toEqual(['trainer.bin', 'trainer.json', 'weights.bin']);
    const b = createModel('fm', { fieldDims: [3, 4], embeddingDim: 3, seed: 7 });
    const res = await fit(b, ds, { epochs: 3, validation: false, resumeFrom: dir });
    expect(res.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    const wrong = createModel('fm', { fieldDims: [3, 4], embeddingDim: 5, seed: 1 });
    await expect(fit(wrong, ds, { epochs: 3, validation: false, resumeFrom: fileCheckpointStore(dir) })).rejects.toThrow(/do not match the model's/);
  });
});
