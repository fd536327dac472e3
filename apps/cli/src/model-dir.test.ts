// One model-directory format for the library and the CLI; older CLI directories still load; the
// metadata is checked; training validates before it starts and saves before it evaluates.
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Encoder } from '@fm/data';
import { createModel } from '@fm/layers';
import { loadModel, saveModel } from '@fm/train/node';
import { afterAll, describe, expect, it } from 'vitest';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

afterAll(removeTempDirs);

const LEGACY = fileURLToPath(new URL('../fixtures/legacy-model-v1', import.meta.url));
const versionDir = (m: string) => join(m, readdirSync(m).find((f) => f.startsWith('v-')) as string);

describe('older CLI model directories', () => {
  it('a directory written by fm 0.1.0 (fm.json "fm-model/1") loads and recommends as it did then', async () => {
    const d = tempDir();
    cpSync(LEGACY, join(d, 'old'), { recursive: true });
    const expected = JSON.parse(readFileSync(join(LEGACY, 'expected.json'), 'utf8')).recommend_user_1_k_5 as { item: number; score: number }[];
    const r = await runFm(['recommend', '--model', join(d, 'old'), '--user', '1', '--k', '5', '--json']);
    expect(r.code, r.err).toBe(0);
    const recs = r.json().recommendations as { item: number; score: number; title: string }[];
    expect(recs.map((x) => x.item)).toEqual(expected.map((x) => x.item));
    recs.forEach((x, i) => expect(x.score).toBeCloseTo(expected[i]!.score, 5));
    expect(recs[0]!.title).toMatch(/^Synthetic movie/);
    // eval says that it has no record of the training items
    writeFiles(d, { 't.tsv': '1\t3\t4\t100\n2\t5\t3\t101\n' });
    const e = await runFm(['eval', '--model', join(d, 'old'), '--data', join(d, 't.tsv'), '--format', 'movielens', '--metrics', 'rmse,hr@5', '--negatives', '3']);
    expect(e.code, e.err).toBe(0);
    expect(e.err).toMatch(/has no record of its training interactions .*pass --train FILE/);
    // a new model replaces it cleanly
    expect((await runFm(['train', '--data', 'synthetic', '--epochs', '1', '--dim', '2', '--out', join(d, 'old')])).code).toBe(0);
    // fm's old files are gone, the user's own file (expected.json here) is kept
    expect(readdirSync(join(d, 'old')).filter((f) => !f.startsWith('v-')).sort()).toEqual(['expected.json', 'fm.json', 'model.json']);
  });
});

describe('one format for the library and the CLI (Why: each side rejected or dropped the other\'s)', () => {
  it('a model saved by @fm/train loads in fm; a model saved by fm loads in @fm/train with its encoder', async () => {
    await tf.setBackend('cpu');
    const d = tempDir();
    const lines = ratingLines(15, 25, 10);
    writeFiles(d, { 'u.data': `${lines.join('\n')}\n` });
    const t = await runFm(['train', '--data', join(d, 'u.data'), '--epochs', '2', '--dim', '3', '--out', join(d, 'cli-model')]);
    expect(t.code, t.err).toBe(0);
    const loaded = await loadModel(join(d, 'cli-model'));
    expect(loaded.meta).toMatchObject({ format: 'fm-model', version: 2, kind: 'fm', task: 'regression' });
    const enc = Encoder.fromJSON(loaded.encoder);
    expect(enc.vocabulary('user').keys).toHaveLength(15);
    expect(Object.keys(loaded.files ?? {})).toEqual(['interactions.bin']);
    // and the other way: the library's saveModel, with the same encoder, read by fm eval/recommend
    const lib = createModel('fm', { fieldDims: enc.schema.fieldDims, embeddingDim: 3, seed: 1 });
    await saveModel(lib, join(d, 'lib-model'), { encoder: enc.toJSON(), meta: { task: 'regression', ratingRange: [1, 5] } });
    const e = await runFm(['eval', '--model', join(d, 'lib-model'), '--data', join(d, 'u.data'), '--metrics', 'rmse', '--json']);
    expect(e.code, e.err).toBe(0);
    expect(e.json().metrics.rmse).toBeGreaterThan(0);
    const rec = await runFm(['recommend', '--model', join(d, 'lib-model'), '--user', '3', '--k', '2']);
    expect(rec.code, rec.err).toBe(0);
    // fm encode --encoder reads only the encoder of such a directory: the same ids as the CLI model's encoder
    const a = await runFm(['encode', '--input', join(d, 'u.data'), '--encoder', join(d, 'lib-model'), '--out', join(d, 'a.arrow'), '--json']);
    const b = await runFm(['encode', '--input', join(d, 'u.data'), '--encoder', join(d, 'cli-model'), '--out', join(d, 'b.arrow'), '--json']);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(readFileSync(join(d, 'a.arrow')).equals(readFileSync(join(d, 'b.arrow')))).toBe(true);
    // without an encoder, or with a broken one, the error names the directory
    await saveModel(lib, join(d, 'no-encoder'), { meta: { task: 'regression' } });
    const none = await runFm(['encode', '--input', join(d, 'u.data'), '--encoder', join(d, 'no-encoder'), '--out', join(d, 'c.arrow')]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/--encoder .*no-encoder: the model directory has no encoder/);
    await saveModel(lib, join(d, 'bad-encoder'), { encoder: { fields: 3 }, meta: { task: 'regression' } });
    const bad = await runFm(['encode', '--input', join(d, 'u.data'), '--encoder', join(d, 'bad-encoder'), '--out', join(d, 'c.arrow')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/bad-encoder: bad encoder: /);
  });
});

describe('the metadata is checked', () => {
  it('an edited fm.json is a clear error naming the field (Why: a GatherV2 index error)', async () => {
    const d = tempDir();
    expect((await runFm(['train', '--data', 'synthetic', '--epochs', '1', '--dim', '2', '--out', join(d, 'm')])).code).toBe(0);
    const fm = JSON.parse(readFileSync(join(d, 'm/fm.json'), 'utf8'));
    fm.meta.fieldDims[1] += 100;
    writeFileSync(join(d, 'm/fm.json'), JSON.stringify(fm));
    const r = await runFm(['recommend', '--model', join(d, 'm'), '--user', '1']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/fm\.json: "meta\.fieldDims\[1\]" is \d+, but model\.json \(which fm reads\) has \d+; fm\.json is a copy for reading/);
    expect(r.err).not.toMatch(/GatherV2/);
  });

  it('similar on a model whose factors are NaN says so (Why: cosine 0 for every item)', async () => {
    const d = tempDir();
    expect((await runFm(['train', '--data', 'synthetic', '--epochs', '1', '--dim', '2', '--out', join(d, 'm')])).code).toBe(0);
    const w = join(versionDir(join(d, 'm')), 'weights.bin');
    writeFileSync(w, Buffer.from(new Float32Array(readFileSync(w).byteLength / 4).fill(NaN).buffer));
    const r = await runFm(['similar', '--model', join(d, 'm'), '--item', '50']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/item factors hold NaN or infinite values \(its training diverged\)/);
  });
});

describe('train validates first and saves before evaluating (Why: a failure after training discarded the model)', () => {
  it('a --test file of another schema fails before any training, writing nothing', async () => {
    const d = tempDir();
    writeFiles(d, { 'u.data': `${ratingLines(15, 25, 10).join('\n')}\n`, 't.libfm': '1 1:1 2:1\n' });
    const r = await runFm(['train', '--data', join(d, 'u.data'), '--test', join(d, 't.libfm'), '--epochs', '50', '--out', join(d, 'm')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--test .*t\.libfm: .*(not a libsvm\/libFM encoder|fields differ)/);
    expect(r.err).not.toMatch(/epoch 1\//);
    expect(existsSync(join(d, 'm'))).toBe(false);
  });

  it('a binary task on ratings is refused before training, naming what works instead', async () => {
    const d = tempDir();
    writeFiles(d, { 'u.data': `${ratingLines(15, 25, 10).join('\n')}\n` });
    const r = await runFm(['train', '--data', join(d, 'u.data'), '--task', 'binary', '--out', join(d, 'm')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--task binary needs 0\/1 .*labels; .*u\.data has labels in \[1, 5\]: use --task regression for ratings, or --task ranking/);
  });

  it('a ranking task on ratings with --test saves the model and reports sampled HR@10 on the test file', async () => {
    const d = tempDir();
    writeFiles(d, { 'u.data': `${ratingLines(30, 60, 12).join('\n')}\n` });
    expect((await runFm(['split', '--input', join(d, 'u.data'), '--strategy', 'leave-last-out', '--train', join(d, 'train.tsv'), '--test', join(d, 'test.tsv')])).code).toBe(0);
    const r = await runFm(['train', '--data', join(d, 'train.tsv'), '--task', 'ranking', '--epochs', '2', '--test', join(d, 'test.tsv'), '--out', join(d, 'm'), '--json']);
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    expect(j.test['hr@10']).toBeGreaterThanOrEqual(0);
    expect(j.test['hr@10']).toBeLessThanOrEqual(1);
    expect(existsSync(join(d, 'm/model.json'))).toBe(true);
    expect(typeof j.engine).toBe('string');
    expect(typeof j.engine_reason).toBe('string');
  });
});

describe('fm train reports the optimizer, learning rate and batch it ran', () => {
  it('defaults resolved: fm per-example sgd; nfm adam at 256, its rate following a given batch (2e-3·∛(2048/256) = 0.004)', async () => {
    const d = tempDir();
    writeFiles(d, { 'u.data': `${ratingLines(20, 30, 10).join('\n')}\n` });
    const fm = await runFm(['train', '--data', join(d, 'u.data'), '--epochs', '1', '--out', join(d, 'fm'), '--json']);
    expect(fm.code, fm.err).toBe(0);
    expect([fm.json().optimizer, fm.json().learning_rate, fm.json().batch_size]).toEqual(['sgd', 0.005, 1]);
    const nfm = await runFm(['train', '--data', join(d, 'u.data'), '--model', 'nfm', '--epochs', '1', '--out', join(d, 'nfm'), '--json']);
    expect(nfm.code, nfm.err).toBe(0);
    expect([nfm.json().optimizer, nfm.json().learning_rate, nfm.json().batch_size]).toEqual(['adam', 0.002, 256]);
    const big = await runFm(['train', '--data', join(d, 'u.data'), '--model', 'nfm', '--epochs', '1', '--batch-size', '2048', '--out', join(d, 'big')]);
    expect(big.code, big.err).toBe(0);
    expect(big.out).toMatch(/; adam, lr 0\.004, batch 2048\)/);
    const meta = JSON.parse(readFileSync(join(d, 'big/fm.json'), 'utf8')) as { meta: { training: { optimization: unknown } } };
    expect(meta.meta.training.optimization).toEqual({ optimizer: 'adam', learningRate: 0.004, batchSize: 2048 });
  });
});
