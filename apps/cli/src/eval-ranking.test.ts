// Sampled ranking evaluation: training items excluded by default (the model directory records
// them), unseen test items and candidates scored through the OOV bucket and counted, published
// candidate files' quirks evaluated. In-process runs on small generated MovieLens-style logs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Encoder } from '@fm/data';
import { loadModel, saveModel } from '@fm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

let d = '';
beforeAll(async () => {
  d = tempDir('fm-eval-');
  writeFiles(d, { 'u.data': `${ratingLines(60, 80, 15, 3).join('\n')}\n` });
  const split = await runFm(['split', '--input', join(d, 'u.data'), '--strategy', 'leave-last-out', '--train', join(d, 'a/train.tsv'), '--test', join(d, 'a/test.tsv')]);
  expect(split.code, split.err).toBe(0);
  const train = await runFm(['train', '--data', join(d, 'a/train.tsv'), '--format', 'movielens', '--task', 'ranking', '--epochs', '3', '--out', join(d, 'bpr')]);
  expect(train.code, train.err).toBe(0);
  // the test file plus two rows whose items no one trained on
  const lines = readFileSync(join(d, 'a/test.tsv'), 'utf8').trim().split('\n');
  writeFiles(d, { 'unseen.tsv': `${lines.join('\n')}\n1\t9001\t5\t999999999\n2\t9002\t4\t999999999\n` });
}, 240_000);
afterAll(removeTempDirs);

const hr = async (args: string[]) => {
  const r = await runFm(['eval', '--model', join(d, 'bpr'), '--metrics', 'hr@10,ndcg@10', '--negatives', '20', '--json', ...args]);
  expect(r.code, r.err).toBe(0);
  return { metrics: r.json().metrics as Record<string, number>, json: r.json(), err: r.err };
};

describe('sampled evaluation excludes the training items by default', () => {
  it('without --train it equals the run with --train; with no record of them it differs and says so (Why: HR@10 0.526 vs 0.647)', async () => {
    const recorded = await hr(['--data', join(d, 'a/test.tsv')]);
    const withTrain = await hr(['--data', join(d, 'a/test.tsv'), '--train', join(d, 'a/train.tsv')]);
    expect(recorded.metrics).toEqual(withTrain.metrics);
    expect(recorded.json.training_items_from).toMatch(/its record of the training interactions/);
    // the same model saved without the record (as an older fm wrote it)
    await tf.setBackend('cpu');
    const loaded = await loadModel(join(d, 'bpr'));
    const { interactions: _dropped, ...meta } = loaded.meta;
    await saveModel(loaded.model, join(d, 'bpr-old'), { meta, encoder: loaded.encoder });
    const r = await runFm(['eval', '--model', join(d, 'bpr-old'), '--data', join(d, 'a/test.tsv'), '--metrics', 'hr@10,ndcg@10', '--negatives', '20', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/has no record of its training interactions/);
    expect(r.json().metrics).not.toEqual(recorded.metrics);
  });

  it('the TSV route (train.tsv --format movielens, eval without --train) gives the HR@10 of the .arrow route with --train', async () => {
    // every item of the log is in the training part, so both routes build the same encoder
    const e = tempDir('fm-route-');
    writeFiles(e, { 'u.data': `${ratingLines(40, 30, 12, 9).join('\n')}\n` });
    const run = async (args: string[]) => {
      const r = await runFm(args);
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(0);
      return r;
    };
    await run(['split', '--input', join(e, 'u.data'), '--strategy', 'leave-last-out', '--train', join(e, 'a/train.tsv'), '--test', join(e, 'a/test.tsv')]);
    await run(['train', '--data', join(e, 'a/train.tsv'), '--format', 'movielens', '--task', 'ranking', '--epochs', '2', '--out', join(e, 'm-tsv')]);
    const tsv = await run(['eval', '--model', join(e, 'm-tsv'), '--data', join(e, 'a/test.tsv'), '--format', 'movielens', '--protocol', 'sampled', '--metrics', 'hr@10', '--negatives', '10', '--json']);
    await run(['encode', '--input', join(e, 'u.data'), '--out', join(e, 'all.arrow')]);
    await run(['split', '--input', join(e, 'all.arrow'), '--strategy', 'leave-last-out', '--train', join(e, 'b/train.arrow'), '--test', join(e, 'b/test.arrow')]);
    await run(['train', '--data', join(e, 'b/train.arrow'), '--task', 'ranking', '--epochs', '2', '--out', join(e, 'm-arrow')]);
    const arrow = await run(['eval', '--model', join(e, 'm-arrow'), '--data', join(e, 'b/test.arrow'), '--train', join(e, 'b/train.arrow'), '--protocol', 'sampled', '--metrics', 'hr@10', '--negatives', '10', '--json']);
    expect(tsv.json().metrics['hr@10']).toBe(arrow.json().metrics['hr@10']);
  });
});

describe('fm encode --encoder (Why: nothing encoded a test file with the training encoder)', () => {
  it('with a model directory or an .encoder.json file, a test file gets the training ids', async () => {
    const a = await runFm(['encode', '--input', join(d, 'a/test.tsv'), '--encoder', join(d, 'bpr'), '--out', join(d, 'enc/test.arrow'), '--json']);
    expect(a.code, a.err).toBe(0);
    const fromArrow = await hr(['--data', join(d, 'enc/test.arrow')]);
    const fromText = await hr(['--data', join(d, 'a/test.tsv')]);
    expect(fromArrow.metrics).toEqual(fromText.metrics);
    expect(fromArrow.json.unseen_rows).toBe(fromText.json.unseen_rows);
    expect(a.json().unseen.rows).toBe(fromText.json.unseen_rows);
    expect((await runFm(['encode', '--input', join(d, 'a/train.tsv'), '--out', join(d, 'enc/train.arrow')])).code).toBe(0);
    const b = await runFm(['encode', '--input', join(d, 'unseen.tsv'), '--format', 'movielens', '--encoder', join(d, 'enc/train.encoder.json'), '--out', join(d, 'enc/unseen.arrow'), '--json']);
    expect(b.code, b.err).toBe(0);
    expect(b.json().unseen.byField).toEqual({ item: 2 });
    const keys = (p: string) => JSON.parse(readFileSync(p, 'utf8')).fields.map((f: { keys: unknown[] }) => f.keys);
    expect(keys(join(d, 'enc/unseen.encoder.json'))).toEqual(keys(join(d, 'enc/train.encoder.json')));
    const bad = await runFm(['encode', '--input', join(d, 'a/test.tsv'), '--encoder', join(d, 'nope'), '--out', join(d, 'enc/x.arrow')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--encoder .*nope: no such model directory or encoder file/);
  });
});

describe('items and users unseen in training', () => {
  it('test items no one trained on are scored through the OOV bucket and counted (Why: "item 0 is not in the catalogue")', async () => {
    const lines = readFileSync(join(d, 'a/test.tsv'), 'utf8').trim().split('\n');
    const r = await hr(['--data', join(d, 'unseen.tsv'), '--format', 'movielens']);
    expect(r.json.unseen_rows).toBe(2);
    expect(r.err).toMatch(/unseen\.tsv: 2 of \d+ rows have values unseen in training \(item 2\); they are scored through the out-of-vocabulary bucket/);
    expect(r.json.ranking_cases).toBe(lines.length + 2);
  });

  it('published candidate files: the quirks are counted, evaluated, and the metrics match a brute-force ranking', async () => {
    await tf.setBackend('cpu');
    const loaded = await loadModel(join(d, 'bpr'));
    const enc = Encoder.fromJSON(loaded.encoder);
    const offsets = enc.schema.offsets;
    const score = (u: number, i: number): number => {
      const ids = tf.tensor2d([enc.encode('user', u), enc.encode('item', i)], [1, 2], 'int32');
      const vals = tf.ones([1, 2]);
      const out = loaded.model.predict([ids, vals]) as tf.Tensor;
      const s = out.dataSync()[0] as number;
      tf.dispose([ids, vals, out]);
      return s;
    };
    expect(offsets[1]).toBeGreaterThan(0);
    const lines = [
      [1, 3, [3, 5, 7, 9001, 9002, 5]], // its own test item, a repeat, two unseen items
      [2, 4, [6, 8, 10, 12]],
      [77777, 2, [1, 3, 5]], // a user no one trained
    ] as [number, number, number[]][];
    writeFiles(d, { 'c.test.negative': lines.map(([u, i, n]) => `(${u},${i})\t${n.join('\t')}`).join('\n') });
    const r = await runFm(['eval', '--model', join(d, 'bpr'), '--candidates', join(d, 'c.test.negative'), '--metrics', 'hr@2,mrr', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.json().candidates).toEqual({ lines: 3, testItemInNegatives: 1, repeatedNegatives: 1, unseenNegatives: 2, unseenTestItems: 0, unseenUsers: 1 });
    expect(r.err).toMatch(/1 negatives equal to the line's test item \(dropped\), 1 repeated negatives \(dropped\), 2 negatives no one trained on, 1 users the model never saw/);
    // brute force: rank = 1 + #{negatives scoring ≥ the positive}, negatives deduplicated, the test item dropped
    let hits = 0;
    let rr = 0;
    for (const [u, i, negs] of lines) {
      const pos = score(u, i);
      const rank = 1 + [...new Set(negs)].filter((n) => n !== i).filter((n) => score(u, n) >= pos).length;
      hits += rank <= 2 ? 1 : 0;
      rr += 1 / rank;
    }
    expect(r.json().metrics['hr@2']).toBeCloseTo(hits / 3, 6);
    expect(r.json().metrics.mrr).toBeCloseTo(rr / 3, 5);
    loaded.model.dispose();
  });
});

describe('ranking flags nothing would read are errors (Why: --negatives with --protocol full or with rmse was ignored)', () => {
  it('--negatives/--seed need the sampled protocol; --protocol/--negatives/--seed/--train need a ranking metric; --candidates fixes the negatives', async () => {
    const base = ['eval', '--model', join(d, 'bpr'), '--data', join(d, 'a/test.tsv')];
    const cases: [string[], RegExp][] = [
      [['--metrics', 'hr@10', '--protocol', 'full', '--negatives', '20'], /--negatives belongs to the sampled protocol; --protocol full ranks every item/],
      [['--metrics', 'hr@10', '--protocol', 'full', '--seed', '3'], /--seed belongs to the sampled protocol/],
      [['--metrics', 'rmse', '--negatives', '20', '--train', join(d, 'a/train.tsv')], /--negatives, --train apply to ranking metrics .*; the metrics are rmse/],
      [['--metrics', 'rmse', '--protocol', 'sampled'], /--protocol applies to ranking metrics/],
    ];
    for (const [extra, message] of cases) {
      const r = await runFm([...base, ...extra]);
      expect(r.code, `${extra.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
    }
    // with fixed candidates (the file of the candidate test above)
    const cand = ['eval', '--model', join(d, 'bpr'), '--candidates', join(d, 'c.test.negative'), '--metrics', 'hr@2'];
    for (const [extra, message] of [
      [['--negatives', '5'], /--negatives belongs to the sampled protocol; --candidates fixes the negatives/],
      [['--protocol', 'full'], /--candidates is its own protocol \(fixed negatives\); drop --protocol/],
      [['--train', join(d, 'a/train.tsv')], /--candidates fixes each case's negatives, so --train masks nothing/],
    ] as [string[], RegExp][]) {
      const r = await runFm([...cand, ...extra]);
      expect(r.code, `${extra.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
    }
    // the same flags where they are read still run, and --seed moves the sampled metrics
    const a = await hr(['--data', join(d, 'a/test.tsv'), '--seed', '1']);
    const b = await hr(['--data', join(d, 'a/test.tsv'), '--seed', '2']);
    expect(a.metrics).not.toEqual(b.metrics);
    const full = await runFm([...base, '--metrics', 'hr@10', '--protocol', 'full', '--train', join(d, 'a/train.tsv')]);
    expect(full.code, full.err).toBe(0);
  });
});
