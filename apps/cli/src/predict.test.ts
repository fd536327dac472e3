// `fm predict` writes a prediction per row (libFM's -out, libffm's ffm-predict); `fm eval --predictions` reads
// such a file back. References: the saved model scored through tfjs, and the metrics of `fm eval` itself.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Encoder, SparseDataset } from '@fm/data';
import { predict, predictDistribution } from '@fm/train';
import { createModel } from '@fm/layers';
import { loadModel, saveModel } from '@fm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

let dir = '';
beforeAll(async () => {
  dir = tempDir();
  const lines = ratingLines(30, 40, 12, 5);
  // an ffm-format click file: 3 fields, label from the first two
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const ffm = (n: number) =>
    Array.from({ length: n }, () => {
      const [a, b, c] = [Math.floor(rand() * 8), 8 + Math.floor(rand() * 6), 14 + Math.floor(rand() * 5)];
      const y = (a % 2 === 0) === (b % 3 === 0) ? 1 : rand() < 0.2 ? 1 : 0;
      return `${y} 0:${a}:1 1:${b}:1 2:${c}:1`;
    }).join('\n');
  writeFiles(dir, {
    'ml/u.base': `${lines.slice(0, 300).join('\n')}\n`,
    'ml/u.test': `${lines.slice(300).join('\n')}\n`,
    'tr.ffm': `${ffm(800)}\n`,
    'te.ffm': `${ffm(200).replace(/\n/g, '\r\n')}\r\n`, // CRLF, as found in the wild
  });
  await tf.setBackend('cpu');
});
afterAll(removeTempDirs);

/** The predictions file's first column. */
const column = (path: string, c = 0) =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => Number(l.split('\t')[c]));

describe('fm predict', () => {
  it('regression: the tfjs scores of the saved model, clipped to the ratings range, line for line; eval --predictions reads them back', async () => {
    const m = join(dir, 'fm');
    expect((await runFm(['train', '--data', join(dir, 'ml/u.base'), '--format', 'movielens', '--epochs', '5', '--dim', '4', '--out', m, '--backend', 'cpu'])).code).toBe(0);
    const out = join(dir, 'fm.pred');
    const r = await runFm(['predict', '--model', m, '--data', join(dir, 'ml/u.test'), '--format', 'movielens', '--out', out, '--backend', 'cpu', '--json']);
    expect(r.code, r.err).toBe(0);
    const got = column(out);
    expect(r.json().rows).toBe(got.length);
    // the reference: the same rows encoded with the saved encoder, scored by the tfjs model
    const loaded = await loadModel(m);
    const encoder = Encoder.fromJSON(loaded.encoder);
    const test = readFileSync(join(dir, 'ml/u.test'), 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number));
    const schema = encoder.schema;
    const ids = Int32Array.from(test.flatMap(([u, i]) => [encoder.encode('user', u as number), encoder.encode('item', i as number)]));
    const ds = new SparseDataset({ schema, labels: new Float32Array(test.length), offsets: Int32Array.from({ length: test.length + 1 }, (_, k) => 2 * k), ids, values: new Float32Array(ids.length).fill(1) });
    const want = await predict(loaded.model, ds, { engine: 'tfjs' });
    const range = loaded.meta.ratingRange as [number, number];
    expect(range).toEqual([1, 5]);
    got.forEach((x, k) => expect(x).toBeCloseTo(Math.min(5, Math.max(1, want[k] as number)), 5));
    loaded.model.dispose();
    // read back: the same metrics as the model's own
    const own = await runFm(['eval', '--model', m, '--data', join(dir, 'ml/u.test'), '--format', 'movielens', '--json']);
    const back = await runFm(['eval', '--model', m, '--data', join(dir, 'ml/u.test'), '--format', 'movielens', '--predictions', out, '--json']);
    expect(back.code, back.err).toBe(0);
    expect(back.json().metrics.rmse).toBeCloseTo(own.json().metrics.rmse, 6);
    expect(back.json().metrics.mae).toBeCloseTo(own.json().metrics.mae, 6);
  });

  it('binary FFM on a libffm file (CRLF): P(y = 1) line for line; a shard directory gives the same file; eval --predictions agrees', async () => {
    const m = join(dir, 'ffm');
    expect((await runFm(['train', '--data', join(dir, 'tr.ffm'), '--model', 'ffm', '--task', 'binary', '--epochs', '4', '--dim', '4', '--out', m, '--backend', 'cpu'])).code).toBe(0);
    const out = join(dir, 'te.out');
    const r = await runFm(['predict', '--model', m, '--data', join(dir, 'te.ffm'), '--out', out, '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/wrote .*te\.out: 200 rows of P\(y = 1\)/);
    const got = column(out);
    const loaded = await loadModel(m);
    // the same rows through the library: encoded by fm encode with the model's encoder, scored by tfjs
    expect((await runFm(['encode', '--input', join(dir, 'te.ffm'), '--encoder', m, '--out', join(dir, 'te.arrow')])).code).toBe(0);
    const { readArrow } = await import('@fm/data/node');
    const ds = (await readArrow(join(dir, 'te.arrow'))) as SparseDataset;
    const logits = await predict(loaded.model, ds, { engine: 'tfjs' });
    got.forEach((p, k) => expect(p).toBeCloseTo(1 / (1 + Math.exp(-(logits[k] as number))), 5));
    loaded.model.dispose();
    // shards: scored chunk by chunk, the same bytes
    expect((await runFm(['encode', '--input', join(dir, 'te.ffm'), '--encoder', m, '--shards', '--shard-rows', '64', '--out', join(dir, 'te-shards')])).code).toBe(0);
    const viaShards = await runFm(['predict', '--model', m, '--data', join(dir, 'te-shards'), '--out', join(dir, 'te2.out'), '--backend', 'cpu']);
    expect(viaShards.code, viaShards.err).toBe(0);
    expect(readFileSync(join(dir, 'te2.out'), 'utf8')).toBe(readFileSync(out, 'utf8'));
    const own = await runFm(['eval', '--model', m, '--data', join(dir, 'te.ffm'), '--json']);
    const back = await runFm(['eval', '--model', m, '--data', join(dir, 'te.ffm'), '--predictions', out, '--json']);
    expect(back.code, back.err).toBe(0);
    expect(back.json().metrics.auc).toBeCloseTo(own.json().metrics.auc, 4);
    expect(back.json().metrics.logloss).toBeCloseTo(own.json().metrics.logloss, 5);
  });

  it('--std of an MCMC model: the predictive standard deviation of each row; refused for other models', async () => {
    const m = join(dir, 'mcmc');
    expect((await runFm(['train', '--data', join(dir, 'ml/u.base'), '--format', 'movielens', '--solver', 'mcmc', '--iterations', '20', '--burn-in', '5', '--dim', '2', '--out', m, '--backend', 'cpu'])).code).toBe(0);
    const out = join(dir, 'mcmc.pred');
    const r = await runFm(['predict', '--model', m, '--data', join(dir, 'ml/u.test'), '--format', 'movielens', '--out', out, '--std', '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    const loaded = await loadModel(m);
    const encoder = Encoder.fromJSON(loaded.encoder);
    const test = readFileSync(join(dir, 'ml/u.test'), 'utf8').trim().split('\n').map((l) => l.split('\t').map(Number));
    const ids = Int32Array.from(test.flatMap(([u, i]) => [encoder.encode('user', u as number), encoder.encode('item', i as number)]));
    const ds = new SparseDataset({ schema: encoder.schema, labels: new Float32Array(test.length), offsets: Int32Array.from({ length: test.length + 1 }, (_, k) => 2 * k), ids, values: new Float32Array(ids.length).fill(1) });
    const d = predictDistribution(loaded.model, ds);
    column(out, 1).forEach((x, k) => expect(x).toBeCloseTo(d.std[k] as number, 5));
    const refused = await runFm(['predict', '--model', join(dir, 'fm'), '--data', join(dir, 'ml/u.test'), '--format', 'movielens', '--out', join(dir, 'x.pred'), '--std']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--std needs a model trained with --solver mcmc/);
  });

  it('never overwrites an input or a file fm did not write; replaces its own output', async () => {
    const m = join(dir, 'fm');
    const test = join(dir, 'ml/u.test');
    const same = await runFm(['predict', '--model', m, '--data', test, '--format', 'movielens', '--out', test]);
    expect(same.code).toBe(2);
    expect(same.err).toMatch(/--out .*u\.test is also an input \(--data\)/);
    writeFileSync(join(dir, 'mine.txt'), 'my notes\n');
    const foreign = await runFm(['predict', '--model', m, '--data', test, '--format', 'movielens', '--out', join(dir, 'mine.txt')]);
    expect(foreign.code).toBe(2);
    expect(readFileSync(join(dir, 'mine.txt'), 'utf8')).toBe('my notes\n');
    const again = await runFm(['predict', '--model', m, '--data', test, '--format', 'movielens', '--out', join(dir, 'fm.pred')]);
    expect(again.code, again.err).toBe(0);
  });

  it('eval and predict refuse an encoded file that does not fit the model, naming both', async () => {
    const arrow = join(dir, 'other.arrow');
    const enc = await runFm(['encode', '--input', join(dir, 'te.ffm'), '--format', 'libffm', '--out', arrow]);
    expect(enc.code, enc.err).toBe(0);
    // a model saved with its encoder: the file's fields are not the encoder's
    const m = join(dir, 'fm');
    // a model saved by the library, without an encoder: the field sizes are compared
    const lib = join(dir, 'lib-model');
    await saveModel(createModel('fm', { fieldDims: [4, 5], embeddingDim: 2, seed: 1 }), lib);
    for (const cmd of [['eval'], ['predict', '--out', join(dir, 'never.pred')]]) {
      const r = await runFm([...cmd, '--model', m, '--data', arrow]);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain(`${arrow}: its fields (f0:multi-hot(9), f1:multi-hot(7), f2:multi-hot(6)) differ from the encoder's (user:categorical(`);
      const l = await runFm([...cmd, '--model', lib, '--data', arrow]);
      expect(l.code, l.err).toBe(1);
      expect(l.err).toContain(`--data ${arrow}: its fields have sizes [9, 7, 6] but the model ${lib} was trained on [4, 5]; encode it with the model's encoder (fm encode --encoder ${lib})`);
    }
  });

  it('eval --predictions: a short file, a bad line or a probability out of [0, 1] is an error naming it', async () => {
    const m = join(dir, 'ffm');
    const data = join(dir, 'te.ffm');
    writeFileSync(join(dir, 'short.out'), '0.5\n0.25\n');
    const short = await runFm(['eval', '--model', m, '--data', data, '--predictions', join(dir, 'short.out')]);
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/short\.out has 2 predictions but --data has 200 rows/);
    writeFileSync(join(dir, 'bad.out'), `${'0.5\n'.repeat(6)}oops\n${'0.5\n'.repeat(193)}`);
    const bad = await runFm(['eval', '--model', m, '--data', data, '--predictions', join(dir, 'bad.out')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/bad\.out:7: expected a number/);
    writeFileSync(join(dir, 'logit.out'), `${'2.5\n'.repeat(200)}`);
    const logit = await runFm(['eval', '--model', m, '--data', data, '--predictions', join(dir, 'logit.out')]);
    expect(logit.code).toBe(1);
    expect(logit.err).toMatch(/logit\.out:1: 2\.5 is not a probability/);
    const ranking = await runFm(['eval', '--model', m, '--data', data, '--predictions', join(dir, 'logit.out'), '--metrics', 'hr@10']);
    expect(ranking.code).toBe(2);
  });
});
