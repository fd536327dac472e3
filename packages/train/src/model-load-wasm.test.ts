import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createModel, pickModelConfig, type ModelKind } from '@fm/layers';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindNative, writeBackNative } from './engines/native/binding.js';
import { readBytes, readModelDir, writeModelDir } from './file-io.js';
import { inspectModel } from './model-info.js';
import { modelArtifacts, modelFromArtifacts, streamedArtifacts, writeSavedWeights } from './model-io.js';
import { saveModel } from './node.js';

// Loading and the native engine's write-back on wasm, where both write a variable's own heap storage instead of
// making a second copy of the table (tfjs-backend-wasm's heap stops at 4 GiB; a 1M-feature FFM at k = 16 is 2.5 GB).
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fm-load-'));
});
afterAll(async () => {
  await tf.setBackend('cpu');
  await rm(dir, { recursive: true, force: true });
});

const readModelJson = async (d: string) => JSON.parse(await readFile(join(d, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
const values = (m: tf.LayersModel) => m.weights.map((w) => Array.from(w.read().dataSync()));
const ids = (m: tf.LayersModel) => m.weights.map((w) => w.read().dataId);
const fieldDims = [5, 7, 3];
const kinds: ModelKind[] = ['fm', 'ffm', 'deepfm', 'autoint'];

describe.each(['wasm', 'cpu'])('on %s', (backend) => {
  beforeAll(async () => {
    await tf.setBackend(backend);
  });

  it.each(kinds)('%s: a saved model loads with the same weights and the same predictions', async (kind) => {
    const model = createModel(kind, pickModelConfig(kind, { fieldDims, embeddingDim: 4, seed: 3 }));
    const loaded = (await modelFromArtifacts(await modelArtifacts(model, {}), 'here')).model;
    expect(loaded.weights.map((w) => w.originalName)).toEqual(model.weights.map((w) => w.originalName));
    expect(values(loaded)).toEqual(values(model));
    const x = [tf.tensor2d([[0, 5, 12], [4, 11, 14]], [2, 3], 'int32'), tf.tensor2d([[1, 1, 0.5], [1, 2, 1]], [2, 3])];
    expect(Array.from((loaded.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((model.predict(x) as tf.Tensor).dataSync()));
    model.dispose();
    loaded.dispose();
    tf.dispose(x);
  });

  it.each(kinds)("%s: modelArtifacts are tfjs's own save artifacts, byte for byte, with fm's metadata added", async (kind) => {
    const model = createModel(kind, pickModelConfig(kind, { fieldDims, embeddingDim: 4, seed: 3 }));
    model.setUserDefinedMetadata({ note: 'kept' });
    let stock: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        stock = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const want = stock as tf.io.ModelArtifacts;
    const ours = await modelArtifacts(model, {});
    const { fm, ...rest } = ours.userDefinedMetadata as Record<string, unknown>;
    expect(rest).toEqual(want.userDefinedMetadata);
    expect(fm).toMatchObject({ meta: { kind, fieldDims } });
    expect({ ...ours, userDefinedMetadata: undefined, weightData: undefined }).toEqual({ ...want, userDefinedMetadata: undefined, weightData: undefined });
    expect(new Uint8Array(ours.weightData as ArrayBuffer)).toEqual(new Uint8Array(want.weightData as ArrayBuffer));
    model.dispose();
  });

  it.each(kinds)("%s: the streamed weights are tfjs's save bytes, whatever the slice size, across heap growth", async (kind) => {
    const model = createModel(kind, pickModelConfig(kind, { fieldDims, embeddingDim: 4, seed: 3 }));
    let stock: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        stock = a;
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
    const want = new Uint8Array(stock?.weightData as ArrayBuffer);
    const { artifacts, weights } = await streamedArtifacts(model, {});
    expect(artifacts.weightData).toBeUndefined();
    expect(artifacts.weightSpecs).toEqual(stock?.weightSpecs);
    expect(weights.byteLength).toBe(want.byteLength);
    for (const slice of [12, 100, 1 << 20]) {
      const got = new Uint8Array(weights.byteLength);
      let at = 0;
      const held: tf.Tensor[] = [];
      for (const s of weights.slices(slice)) {
        expect(s.byteLength).toBeLessThanOrEqual(slice);
        got.set(s, at);
        at += s.byteLength;
        // a new 8 MB tensor between the first slices grows the wasm heap, which detaches every view taken before
        if (held.length < 3) held.push(tf.zeros([2 << 20]));
      }
      tf.dispose(held);
      expect(at).toBe(want.byteLength);
      expect(got).toEqual(want);
    }
    model.dispose();
  });

  it("saveModel writes weights.bin slice by slice with tfjs's bytes; a stream that disagrees with the manifest is refused", async () => {
    const model = createModel('ffm', { fieldDims, embeddingDim: 4, seed: 5 });
    const out = join(dir, `stream-${backend}`);
    await saveModel(model, out);
    const { artifacts: read } = await readModelDir(out);
    const want = await modelArtifacts(model, {});
    expect(new Uint8Array(read.weightData as ArrayBuffer)).toEqual(new Uint8Array(want.weightData as ArrayBuffer));
    // written from 12-byte slices: the same file
    const { artifacts, weights } = await streamedArtifacts(model, {});
    const other = join(dir, `stream-small-${backend}`);
    await writeModelDir(other, artifacts, {}, { byteLength: weights.byteLength, slices: () => weights.slices(12) });
    expect(await readFile(join(other, (await readModelJson(other)).weightsManifest[0]?.paths[0] ?? ''))).toEqual(Buffer.from(want.weightData as ArrayBuffer));
    const short = { byteLength: weights.byteLength - 4, slices: () => weights.slices() };
    await expect(writeModelDir(join(dir, `stream-bad-${backend}`), artifacts, {}, short)).rejects.toThrow(/cannot save: the weights have \d+ bytes but their manifest describes \d+/);
    model.dispose();
  });

  it("an optimizer's weights in the data (tfjs's includeOptimizer) are skipped", async () => {
    const model = createModel('fm', { fieldDims, embeddingDim: 4, seed: 3 });
    const art = await modelArtifacts(model, {});
    const extra = new Float32Array([7, 8]);
    const withOptimizer: tf.io.ModelArtifacts = {
      ...art,
      weightSpecs: [...(art.weightSpecs ?? []), { name: 'Adam/iter', shape: [2], dtype: 'float32', group: 'optimizer' }],
      weightData: [art.weightData as ArrayBuffer, extra.buffer],
    };
    const loaded = (await modelFromArtifacts(withOptimizer, 'here')).model;
    expect(values(loaded)).toEqual(values(model));
    model.dispose();
    loaded.dispose();
  });

  it('a weight missing from the data, or one the model lacks, is an error naming it', async () => {
    const model = createModel('fm', { fieldDims, embeddingDim: 4, seed: 3 });
    const art = await modelArtifacts(model, {});
    const specs = art.weightSpecs ?? [];
    const last = specs[specs.length - 1] as tf.io.WeightsManifestEntry;
    const renamed = { ...art, weightSpecs: [...specs.slice(0, -1), { ...last, name: 'other/table' }] };
    await expect(modelFromArtifacts(renamed, 'here')).rejects.toThrow(/here: the weights do not match the model config: the weights lack "[^"]+"/);
    const before = tf.memory().numTensors;
    const table = specs.find((s) => s.shape.length === 2 && s.shape[1] === 4) as tf.io.WeightsManifestEntry;
    const swapped = { ...art, weightSpecs: specs.map((s) => (s === table ? { ...s, shape: [...s.shape].reverse() } : s)) };
    await expect(modelFromArtifacts(swapped, 'here')).rejects.toThrow(/has shape \[4,15\] in the weights, the model config builds \[15,4\]/);
    expect(tf.memory().numTensors).toBe(before); // the half-built model is disposed
    model.dispose();
  });

  it('a checkpoint written into a model: tables in place, the weights it must renew as new tensors', async () => {
    const config = pickModelConfig('deepfm', { fieldDims, embeddingDim: 4, seed: 3 });
    const src = createModel('deepfm', config);
    const dst = createModel('deepfm', { ...config, seed: 8 });
    const art = await modelArtifacts(src, {});
    const dense = new Set(inspectModel(dst).params.filter((p) => p.group === 'dense').map((p) => p.weight));
    expect(dense.size).toBeGreaterThan(0);
    const before = ids(dst);
    writeSavedWeights(dst.weights, art.weightSpecs ?? [], art.weightData ?? new ArrayBuffer(0), dense);
    expect(values(dst)).toEqual(values(src));
    const after = ids(dst);
    expect(dst.weights.map((w, i) => after[i] === before[i])).toEqual(dst.weights.map((w) => backend === 'wasm' && !dense.has(w)));
    // a mismatch found at the last weight leaves every variable as it was
    const other = createModel('deepfm', { ...config, seed: 9 });
    const kept = values(other);
    const specs = art.weightSpecs ?? [];
    const bad = specs.map((s, i) => (i === specs.length - 1 ? { ...s, dtype: 'int32' as const } : s));
    expect(() => writeSavedWeights(other.weights, bad, art.weightData ?? new ArrayBuffer(0))).toThrow(/is int32 in the weights, the model config builds float32/);
    expect(values(other)).toEqual(kept);
    src.dispose();
    dst.dispose();
    other.dispose();
  });

  it.each(['fm', 'ffm'] as const)("%s: the native engine's write-back puts trained arrays into the model", (kind) => {
    const model = createModel(kind, { fieldDims, embeddingDim: 4, seed: 3 });
    const b = bindNative(model, inspectModel(model));
    if (typeof b === 'string') throw new Error(b);
    const before = ids(model);
    // what training would do: change every array
    b.params.bias[0] = 0.5;
    b.params.linear.forEach((_, i) => (b.params.linear[i] = i / 10));
    b.params.factors.forEach((_, i) => (b.params.factors[i] = Math.fround(Math.sin(i))));
    writeBackNative(b);
    const w = (v: tf.LayerVariable | undefined) => Array.from(v?.read().dataSync() ?? []);
    expect(w(b.bias)).toEqual([0.5]);
    expect(w(b.linear)).toEqual(Array.from(b.params.linear));
    expect(w(b.factors)).toEqual(Array.from(b.params.factors));
    // on wasm in place (the same storage); on cpu, whose tensors keep the arrays they are given, new copies
    const after = ids(model);
    if (backend === 'wasm') expect(after).toEqual(before);
    else expect(after.some((id, i) => id !== before[i])).toBe(true);
    // and the model's own storage is not the native arrays: changing them later leaves the model as written
    b.params.factors[0] = 99;
    expect(w(b.factors)[0]).not.toBe(99);
    model.dispose();
  });
});

describe('readBytes', () => {
  it('reads a file larger than its read size whole, in a buffer of its own', async () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 37) % 251);
    const path = join(dir, 'w.bin');
    await writeFile(path, bytes);
    for (const chunk of [7, 999, 1000, 4096]) {
      const got = await readBytes(path, 'weights', chunk);
      expect(got.buffer.byteLength).toBe(1000);
      expect(Array.from(got)).toEqual(Array.from(bytes));
    }
    await expect(readBytes(join(dir, 'none.bin'), 'weights')).rejects.toThrow(/none.bin: cannot read weights \(ENOENT\)/);
  });
});
