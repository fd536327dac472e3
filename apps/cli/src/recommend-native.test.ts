// `fm recommend` and `fm similar` read an LR/FM/FFM/MF model straight into native arrays (no tfjs copy of
// its tables): their lists must be what the saved tfjs model gives, scored here by brute force.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Encoder, resolveUserItemFields, SparseDataset } from '@fm/data';
import { itemFactors } from '@fm/layers';
import { predict } from '@fm/train';
import { loadModel } from '@fm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScoringBundle } from './model-store.js';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

let dir: string;
beforeAll(async () => {
  dir = tempDir();
  writeFiles(dir, { 'u.data': `${ratingLines(25, 40, 12, 3).join('\n')}\n` });
  await tf.setBackend('cpu');
});
afterAll(removeTempDirs);

/** Every (user, item) score of the saved model through tfjs, for one user: `[numItems]` (item 0, the OOV bucket, included). */
async function tfjsScores(modelDir: string, rawUser: number): Promise<{ scores: Float32Array; itemOf: (local: number) => unknown }> {
  const loaded = await loadModel(modelDir);
  const encoder = Encoder.fromJSON(loaded.encoder);
  const layout = resolveUserItemFields(encoder.schema);
  const user = encoder.encode('user', rawUser) - layout.userOffset;
  expect(user).toBeGreaterThan(0);
  const n = layout.numItems;
  const ids = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    ids[2 * i] = layout.userOffset + user;
    ids[2 * i + 1] = layout.itemOffset + i;
  }
  const ds = new SparseDataset({ schema: encoder.schema, labels: new Float32Array(n), offsets: Int32Array.from({ length: n + 1 }, (_, r) => 2 * r), ids, values: new Float32Array(2 * n).fill(1) });
  const scores = await predict(loaded.model, ds, { engine: 'tfjs' });
  loaded.model.dispose();
  return { scores, itemOf: (local) => encoder.decode('item', layout.itemOffset + local) };
}

describe('recommend and similar on natively loaded models', () => {
  for (const [kind, task] of [['fm', 'regression'], ['ffm', 'ranking'], ['mf', 'regression'], ['lr', 'ranking']] as const) {
    it(`${kind} (${task}): the loaded model is a NativeModel; recommend gives the brute-force top 6 of the tfjs model`, async () => {
      const out = join(dir, `${kind}-${task}`);
      const trained = await runFm(['train', '--data', join(dir, 'u.data'), '--model', kind, '--task', task, '--epochs', '3', '--dim', '4', '--out', out, '--backend', 'cpu']);
      expect(trained.code, trained.err).toBe(0);
      const bundle = await loadScoringBundle(out, 'cpu');
      expect(bundle.model.constructor.name).toBe('NativeModel');
      const { scores, itemOf } = await tfjsScores(out, 7);
      const want = Array.from(scores.keys())
        .filter((i) => i > 0)
        .sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b)
        .slice(0, 6);
      const r = await runFm(['recommend', '--model', out, '--user', '7', '--k', '6', '--json', '--backend', 'cpu']);
      expect(r.code, r.err).toBe(0);
      const recs = r.json().recommendations as { item: number | string; score: number }[];
      expect(recs.map((x) => String(x.item))).toEqual(want.map((i) => String(itemOf(i))));
      recs.forEach((x, j) => {
        const s = scores[want[j] as number] as number;
        // shown as fm predict writes it: P(relevant), or the rating clipped to the training range [1, 5]
        expect(x.score).toBeCloseTo(task === 'ranking' ? 1 / (1 + Math.exp(-s)) : Math.min(5, Math.max(1, s)), 4);
      });
    });
  }

  for (const kind of ['fm', 'ffm', 'mf'] as const) {
    it(`${kind}: similar gives the brute-force cosine neighbours of the item factors @fm/layers reads from the tfjs model`, async () => {
      const out = join(dir, `${kind}-regression-sim`);
      const trained = await runFm(['train', '--data', join(dir, 'u.data'), '--model', kind, '--epochs', '3', '--dim', '4', '--out', out, '--backend', 'cpu']);
      expect(trained.code, trained.err).toBe(0);
      const loaded = await loadModel(out);
      const encoder = Encoder.fromJSON(loaded.encoder);
      const layout = resolveUserItemFields(encoder.schema);
      const t = itemFactors(loaded.model, layout.itemField, layout.userField);
      const q = (await t.array()) as number[][];
      t.dispose();
      loaded.model.dispose();
      const query = encoder.encode('item', 5) - layout.itemOffset;
      expect(query).toBeGreaterThan(0);
      const cos = (a: number[], b: number[]) => {
        let d = 0, na = 0, nb = 0; // prettier-ignore
        for (let j = 0; j < a.length; j++) {
          d += (a[j] as number) * (b[j] as number);
          na += (a[j] as number) ** 2;
          nb += (b[j] as number) ** 2;
        }
        return na > 0 && nb > 0 ? d / Math.sqrt(na * nb) : 0;
      };
      const sims = q.map((v) => cos(v, q[query] as number[]));
      const want = Array.from(sims.keys())
        .filter((i) => i > 0 && i !== query)
        .sort((a, b) => (sims[b] as number) - (sims[a] as number) || a - b)
        .slice(0, 5);
      const r = await runFm(['similar', '--model', out, '--item', '5', '--k', '5', '--json', '--backend', 'cpu']);
      expect(r.code, r.err).toBe(0);
      const list = r.json().similar as { item: number | string; score: number }[];
      expect(list.map((x) => String(x.item))).toEqual(want.map((i) => String(encoder.decode('item', layout.itemOffset + i))));
      list.forEach((x, j) => expect(x.score).toBeCloseTo(sims[want[j] as number] as number, 4));
    });
  }

  it('similar on an lr model says it has no item factors', async () => {
    const out = join(dir, 'lr-regression-sim');
    expect((await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'lr', '--epochs', '1', '--out', out, '--backend', 'cpu'])).code).toBe(0);
    const r = await runFm(['similar', '--model', out, '--item', '5', '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/a lr model has no item factors to compare/);
  });
});
