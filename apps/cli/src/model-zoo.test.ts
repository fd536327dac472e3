// Every model kind trains, saves, evaluates and recommends from raw MovieLens files (issue 12). References:
// `fm eval` of the saved directory reproduces the test RMSE `fm train` printed; `fm recommend`'s list is the
// library's `predict` of the loaded model over every item for that user, best first, seen items left out.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeInteractions, generateRatings, selectInteractions, type Interactions } from '@fm/data';
import { MODEL_KINDS } from '@fm/layers';
import { predict, selectBackend } from '@fm/train';
import { loadModelBundle } from './model-store.js';
import { removeTempDirs, runFm, tempDir, uDataText, writeFiles } from './test-utils/run.js';

let dir = '';
let base: Interactions;

beforeAll(async () => {
  await selectBackend('cpu');
  dir = tempDir('fm-cli-zoo-');
  const all = generateRatings({ users: 40, items: 30, density: 0.5, minPerUser: 8, seed: 9, round: true }).interactions;
  const rows = Array.from({ length: all.length }, (_, r) => r);
  base = selectInteractions(all, rows.filter((r) => r % 5 !== 0));
  writeFiles(dir, { 'ua.base': uDataText(base), 'ua.test': uDataText(selectInteractions(all, rows.filter((r) => r % 5 === 0))) });
});

afterAll(() => removeTempDirs());

describe('fm train|eval|recommend for every model kind', () => {
  for (const kind of MODEL_KINDS) {
    it(`${kind}`, async () => {
      const out = join(dir, kind);
      const t = await runFm(['train', '--data', join(dir, 'ua.base'), '--test', join(dir, 'ua.test'), '--model', kind, '--epochs', '2', '--dim', '4', '--backend', 'cpu', '--out', out, '--json']);
      expect(t.code, t.err).toBe(0);
      const trained = t.json().test.rmse as number;
      expect(Number.isFinite(trained)).toBe(true);

      const e = await runFm(['eval', '--model', out, '--data', join(dir, 'ua.test'), '--backend', 'cpu', '--json']);
      expect(e.code, e.err).toBe(0);
      expect(Math.abs(((e.json().metrics?.rmse ?? e.json().rmse) as number) - trained)).toBeLessThan(1e-6);

      const user = base.user[0] as number;
      const r = await runFm(['recommend', '--model', out, '--user', String(user), '--k', '3', '--exclude-seen', join(dir, 'ua.base'), '--backend', 'cpu', '--json']);
      expect(r.code, r.err).toBe(0);
      const recs = r.json().recommendations as { item: number; score: number }[];
      // reference: the loaded model's scores of every unseen item for this user
      const bundle = await loadModelBundle(out);
      const encoder = bundle.encoder;
      if (!encoder) throw new Error('no encoder saved');
      const seen = new Set<number>();
      for (let i = 0; i < base.length; i++) if (base.user[i] === user) seen.add(base.item[i] as number);
      const items = ([...encoder.vocabulary('item').keys] as number[]).filter((it) => !seen.has(it));
      const rowsOf = encodeInteractions(
        { user: new Int32Array(items.length).fill(user), item: Int32Array.from(items), rating: new Float32Array(items.length), timestamp: new Float64Array(items.length), length: items.length } as Interactions,
        { encoder },
      ).dataset;
      const scores = await predict(bundle.model, rowsOf);
      const best = items.map((it, c) => ({ it, s: scores[c] as number })).sort((a, b) => b.s - a.s).slice(0, 3);
      expect(recs.map((x) => x.score)).toHaveLength(3);
      // shown as fm predict writes it: clipped to the training ratings' range (ranked by the raw score)
      const [lo, hi] = bundle.meta.ratingRange as [number, number];
      recs.forEach((x, c) => expect(x.score).toBeCloseTo(Math.min(hi, Math.max(lo, best[c]?.s as number)), 4));
      bundle.model.dispose();
    }, 60_000);
  }
});
