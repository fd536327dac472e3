// Out-of-core data through the fm command (issue 13), in process: encode → shard directory → train →
// eval; shards vs the same file in memory; hashing and its collision report; --init-from warm
// starts; Parquet input vs the same rows in CSV.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldHashSeed, hashToken } from '@fm/data';
import { loadNativeModel } from '@fm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './test-utils/build.js';
import { removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

let dir = '';
beforeAll(() => {
  dir = tempDir('fm-shards-');
});
afterAll(removeTempDirs);

const SPEC = 'label=click,user:cat,item:cat,price:num';

/**
 * A click log: `users` users × `items` items, label ~ Bernoulli(σ(taste(u) · appeal(i) · 3 − 0.5)), so a
 * model with user and item factors can learn it; deterministic for a seed. `userFrom` shifts user ids.
 */
function clickCsv(rows: number, users: number, items: number, seed: number, userFrom = 0): string {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const lines = ['click,user,item,price'];
  for (let r = 0; r < rows; r++) {
    const u = userFrom + Math.floor(rand() * users);
    const i = Math.floor(rand() ** 1.3 * items);
    const taste = ((u * 7919) % 13) / 6 - 1;
    const appeal = ((i * 104729) % 11) / 5 - 1;
    const p = 1 / (1 + Math.exp(-(3 * taste * appeal - 0.5)));
    lines.push(`${rand() < p ? 1 : 0},u${u},i${i},${rand().toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}

const logloss = (rate: number) => -(rate * Math.log(rate) + (1 - rate) * Math.log(1 - rate));

describe('fm encode --shards → fm train → fm eval', () => {
  beforeAll(() => {
    writeFiles(dir, { 'train.csv': clickCsv(6000, 60, 40, 1), 'valid.csv': clickCsv(1500, 60, 40, 2), 'test.csv': clickCsv(2000, 60, 40, 3) });
  });

  it('trains from a shard directory exactly as from the same file in memory when the shuffle buffer holds every row', async () => {
    const enc = await runFm(['encode', '--input', join(dir, 'train.csv'), '--columns', SPEC, '--shards', '--shard-rows', '700', '--out', join(dir, 'tr'), '--json']);
    expect(enc.code, enc.err).toBe(0);
    expect(enc.json()).toMatchObject({ rows: 6000, shards: 9, passes: 2 });
    const common = ['--task', 'binary', '--epochs', '6', '--lr', '0.05', '--dim', '4', '--seed', '5', '--validation', join(dir, 'valid.csv'), '--columns', SPEC, '--json'];
    const shards = await runFm(['train', '--data', join(dir, 'tr'), ...common, '--out', join(dir, 'm-shards')]);
    expect(shards.code, shards.err).toBe(0);
    const memory = await runFm(['train', '--data', join(dir, 'train.csv'), ...common, '--out', join(dir, 'm-memory')]);
    expect(memory.code, memory.err).toBe(0);
    const a = shards.json();
    const b = memory.json();
    expect(a.shards).toBe(9);
    expect(a.engine).toBe(b.engine);
    expect(a.final_loss).toBeCloseTo(b.final_loss, 9);
    expect(a.validation.logloss).toBeCloseTo(b.validation.logloss, 9);
    expect(a.validation.auc).toBeCloseTo(b.validation.auc, 9);
    // it learned: well under the constant predictor's log loss on the validation file
    const labels = readFileSync(join(dir, 'valid.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l[0]));
    const rate = labels.reduce((x, y) => x + y, 0) / labels.length;
    expect(a.validation.logloss).toBeLessThan(logloss(rate) - 0.02);
    // a bounded buffer (a fifth of the rows) gives another order, and still learns
    const bounded = await runFm(['train', '--data', join(dir, 'tr'), ...common, '--shuffle-buffer', '1200', '--out', join(dir, 'm-bounded')]);
    expect(bounded.code, bounded.err).toBe(0);
    const c = bounded.json();
    expect(c.final_loss).not.toBe(a.final_loss);
    expect(c.validation.logloss).toBeLessThan(logloss(rate) - 0.02);
  }, 120_000);

  it('evaluates a shard directory (streamed) exactly as the same file read in memory', async () => {
    const enc = await runFm(['encode', '--input', join(dir, 'test.csv'), '--columns', SPEC, '--encoder', join(dir, 'm-shards'), '--shards', '--shard-rows', '500', '--out', join(dir, 'te')]);
    expect(enc.code, enc.err).toBe(0);
    const streamed = await runFm(['eval', '--model', join(dir, 'm-shards'), '--data', join(dir, 'te'), '--json']);
    expect(streamed.code, streamed.err).toBe(0);
    const memory = await runFm(['eval', '--model', join(dir, 'm-shards'), '--data', join(dir, 'test.csv'), '--columns', SPEC, '--json']);
    expect(memory.code, memory.err).toBe(0);
    expect(streamed.json().rows).toBe(2000);
    expect(streamed.json().metrics.auc).toBeCloseTo(memory.json().metrics.auc, 12);
    expect(streamed.json().metrics.logloss).toBeCloseTo(memory.json().metrics.logloss, 9);
    expect(streamed.json().metrics.auc).toBeGreaterThan(0.6);
    // --test DIR after training: the same figures
    const t = await runFm(['train', '--data', join(dir, 'tr'), '--task', 'binary', '--epochs', '6', '--lr', '0.05', '--dim', '4', '--seed', '5', '--validation', join(dir, 'valid.csv'), '--columns', SPEC, '--test', join(dir, 'te'), '--out', join(dir, 'm-shards'), '--json']);
    expect(t.code, t.err).toBe(0);
    expect(t.json().test.auc).toBeCloseTo(streamed.json().metrics.auc, 12);
    // a shard directory encoded with another encoder is refused, naming it
    const bad = await runFm(['eval', '--model', join(dir, 'm-shards'), '--data', join(dir, 'tr-other')]);
    expect(bad.code).not.toBe(0);
    await runFm(['encode', '--input', join(dir, 'test.csv'), '--columns', SPEC, '--shards', '--hash-bits', '3', '--out', join(dir, 'tr-other')]);
    const other = await runFm(['eval', '--model', join(dir, 'm-shards'), '--data', join(dir, 'tr-other')]);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/tr-other: encoded differently from the model's training data/);
  }, 120_000);

  it('--hash-bits: each field hashed into 2^B ids, collisions counted as a direct count of the buckets says', async () => {
    const r = await runFm(['encode', '--input', join(dir, 'train.csv'), '--columns', SPEC, '--shards', '--hash-bits', '4', '--hash-seed', '9', '--out', join(dir, 'hashed'), '--json']);
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    // hashed fields need no vocabulary pass; the numeric column's min-max scaling does (scale=none: one pass)
    expect(j.passes).toBe(2);
    expect(j.fields.map((f: { cardinality: number }) => f.cardinality)).toEqual([16, 16, 1]);
    const one = await runFm(['encode', '--input', join(dir, 'train.csv'), '--columns', `${SPEC},scale=none`, '--shards', '--hash-bits', '4', '--out', join(dir, 'hashed-raw'), '--json']);
    expect(one.code, one.err).toBe(0);
    expect(one.json().passes).toBe(1);
    // reference: distinct values and occupied buckets per field, counted here
    const rows = readFileSync(join(dir, 'train.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    for (const [col, field] of [[1, 'user'], [2, 'item']] as const) {
      const values = new Set(rows.map((x) => x[col] as string));
      const buckets = new Set([...values].map((v) => hashToken(v, fieldHashSeed(field, 9)) % 16));
      const f = j.hashing.fields.find((x: { field: string }) => x.field === field);
      expect(f).toMatchObject({ distinctTokens: values.size, occupiedBuckets: buckets.size, collidedTokens: values.size - buckets.size, exact: true });
    }
    const human = await runFm(['encode', '--input', join(dir, 'train.csv'), '--columns', SPEC, '--shards', '--hash-bits', 'user=5', '--out', join(dir, 'hashed')]);
    expect(human.code, human.err).toBe(0);
    expect(human.out).toMatch(/hashing \(seed 0\): 60 distinct values in \d+ buckets, \d+ collided/);
    // on train, for a text file: the report goes to stderr, the model has 2^B ids per hashed field
    const t = await runFm(['train', '--data', join(dir, 'train.csv'), '--columns', SPEC, '--hash-bits', '4', '--hash-seed', '9', '--task', 'binary', '--epochs', '1', '--out', join(dir, 'm-hashed'), '--json']);
    expect(t.code, t.err).toBe(0);
    expect(t.err).toMatch(/hashing \(seed 9\): \d+ distinct values in \d+ buckets/);
    expect(t.json().hashing.fields.map((f: { collidedTokens: number }) => f.collidedTokens)).toEqual(j.hashing.fields.map((f: { collidedTokens: number }) => f.collidedTokens));
    const bad = await runFm(['encode', '--input', join(dir, 'train.csv'), '--columns', SPEC, '--shards', '--hash-bits', 'user=40', '--out', join(dir, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--hash-bits: .*hash bits must be an integer in \[1, 30\], got 40/);
  }, 120_000);
});

describe('fm train --init-from: a warm start on new data', () => {
  beforeAll(() => {
    // day 2 brings 20 new users (u60..u79) besides the old ones; "old" has only day-1 users and items
    writeFiles(dir, {
      'day1.csv': clickCsv(5000, 60, 40, 11),
      'day2.csv': clickCsv(3000, 60, 40, 12) + clickCsv(3000, 20, 40, 13, 60).split('\n').slice(1).join('\n'),
      'old.csv': clickCsv(1000, 60, 40, 14),
      'new-users.csv': clickCsv(1500, 20, 40, 15, 60),
    });
  });

  it('keeps the saved model exactly on old ids, grows new ids, and learns them', async () => {
    const m1 = await runFm(['train', '--data', join(dir, 'day1.csv'), '--columns', SPEC, '--task', 'binary', '--dim', '4', '--seed', '3', '--epochs', '8', '--lr', '0.05', '--out', join(dir, 'w1')]);
    expect(m1.code, m1.err).toBe(0);
    const enc = await runFm(['encode', '--input', join(dir, 'day2.csv'), '--columns', SPEC, '--encoder', join(dir, 'w1'), '--grow', '--shards', '--shard-rows', '1000', '--out', join(dir, 'd2')]);
    expect(enc.code, enc.err).toBe(0);
    expect(enc.out).toMatch(/grew the encoder: user \+20/);
    // a step too small to move any float32 weight: the grown model is the saved one on old ids
    const still = await runFm(['train', '--data', join(dir, 'd2'), '--init-from', join(dir, 'w1'), '--task', 'binary', '--epochs', '1', '--lr', '1e-30', '--optimizer', 'sgd', '--l2', '0', '--out', join(dir, 'w-still')]);
    expect(still.code, still.err).toBe(0);
    expect(still.err).toMatch(/init from .*w1 \(fm\): new ids user \+20 start as in a fresh model; every saved weight is kept; the optimizer state starts fresh/);
    // grown and trained as a NativeModel (the saved table read once, no tfjs copy); the new users' rows are drawn as
    // a fresh model's (the saved initialiser, N(0, 0.01²) from --seed 3), not zeros
    expect(still.out).toMatch(/engine: native \(.*a NativeModel/);
    const grown = (await loadNativeModel(join(dir, 'w-still')))!.model;
    const users = grown.fieldFactors(0, 0).values;
    expect(grown.init).toEqual({ initStd: 0.01, seed: 3 });
    for (let u = grown.fieldDims[0]! - 20; u < grown.fieldDims[0]!; u++) {
      const row = users.subarray(4 * u, 4 * u + 4);
      expect(row.some((x) => x !== 0)).toBe(true);
      expect(Math.max(...row.map(Math.abs))).toBeLessThan(0.06);
    }
    const e1 = await runFm(['eval', '--model', join(dir, 'w1'), '--data', join(dir, 'old.csv'), '--columns', SPEC, '--json']);
    const e2 = await runFm(['eval', '--model', join(dir, 'w-still'), '--data', join(dir, 'old.csv'), '--columns', SPEC, '--json']);
    expect(e1.code, e1.err).toBe(0);
    expect(e2.code, e2.err).toBe(0);
    expect(e2.json().metrics).toEqual(e1.json().metrics);
    expect(e2.json().unseen_rows).toBe(0);
    // trained on day 2: the new users are learned (the saved model scores them through the OOV bucket)
    const m2 = await runFm(['train', '--data', join(dir, 'd2'), '--init-from', join(dir, 'w1'), '--task', 'binary', '--epochs', '6', '--lr', '0.05', '--out', join(dir, 'w2'), '--json']);
    expect(m2.code, m2.err).toBe(0);
    expect(m2.json().init_from).toBe(join(dir, 'w1'));
    const before = await runFm(['eval', '--model', join(dir, 'w1'), '--data', join(dir, 'new-users.csv'), '--columns', SPEC, '--json']);
    const after = await runFm(['eval', '--model', join(dir, 'w2'), '--data', join(dir, 'new-users.csv'), '--columns', SPEC, '--json']);
    expect(before.json().unseen_rows).toBe(1500);
    expect(after.json().unseen_rows).toBe(0);
    expect(after.json().metrics.logloss).toBeLessThan(before.json().metrics.logloss - 0.02);
    expect(after.json().metrics.auc).toBeGreaterThan(before.json().metrics.auc + 0.05);
    // data not grown from the saved encoder is refused, naming the fix
    const fresh = await runFm(['encode', '--input', join(dir, 'day2.csv'), '--columns', SPEC, '--shards', '--out', join(dir, 'd2-fresh')]);
    expect(fresh.code).toBe(0);
    const refused = await runFm(['train', '--data', join(dir, 'd2-fresh'), '--init-from', join(dir, 'w1'), '--task', 'binary', '--out', join(dir, 'w3')]);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/another id than the --init-from model does; encode it with fm encode --shards --encoder .*w1 --grow/);
    // a raw file is grown on the fly
    const raw = await runFm(['train', '--data', join(dir, 'day2.csv'), '--columns', SPEC, '--init-from', join(dir, 'w1'), '--task', 'binary', '--epochs', '1', '--out', join(dir, 'w4')]);
    expect(raw.code, raw.err).toBe(0);
    expect(raw.err).toMatch(/new ids user \+20/);
  }, 180_000);

  it('with hashing nothing grows: the same hash space continues', async () => {
    const h1 = await runFm(['encode', '--input', join(dir, 'day1.csv'), '--columns', SPEC, '--shards', '--hash-bits', '6', '--out', join(dir, 'h1')]);
    expect(h1.code, h1.err).toBe(0);
    const m1 = await runFm(['train', '--data', join(dir, 'h1'), '--task', 'binary', '--epochs', '2', '--out', join(dir, 'hw1')]);
    expect(m1.code, m1.err).toBe(0);
    const h2 = await runFm(['encode', '--input', join(dir, 'day2.csv'), '--columns', SPEC, '--encoder', join(dir, 'hw1'), '--shards', '--out', join(dir, 'h2')]);
    expect(h2.code, h2.err).toBe(0);
    const m2 = await runFm(['train', '--data', join(dir, 'h2'), '--init-from', join(dir, 'hw1'), '--task', 'binary', '--epochs', '2', '--out', join(dir, 'hw2'), '--json']);
    expect(m2.code, m2.err).toBe(0);
    expect(m2.err).toMatch(/no new ids; every saved weight is kept/);
  }, 120_000);
});

describe('Parquet input', () => {
  const fixtures = join(ROOT, 'packages/data/fixtures/parquet');
  const spec = 'label=label,user:cat,item:cat,price:num,tags:multi|,ts:skip';

  it('a Spark-style folder trains, evaluates and encodes exactly like the same rows in CSV', async () => {
    const flags = ['--columns', spec, '--task', 'binary', '--epochs', '5', '--dim', '3', '--validation', join(fixtures, 'clicks.csv'), '--json'];
    const pq = await runFm(['train', '--data', join(fixtures, 'clicks'), ...flags, '--out', join(dir, 'pq-model')]);
    expect(pq.code, pq.err).toBe(0);
    const csv = await runFm(['train', '--data', join(fixtures, 'clicks.csv'), ...flags, '--out', join(dir, 'csv-model')]);
    expect(csv.code, csv.err).toBe(0);
    expect(pq.json().rows).toBe(30);
    expect(pq.json().final_loss).toBe(csv.json().final_loss);
    expect(pq.json().validation).toEqual(csv.json().validation);
    const ev = await runFm(['eval', '--model', join(dir, 'csv-model'), '--data', join(fixtures, 'clicks'), '--columns', spec, '--json']);
    const evc = await runFm(['eval', '--model', join(dir, 'csv-model'), '--data', join(fixtures, 'clicks.csv'), '--columns', spec, '--json']);
    expect(ev.code, ev.err).toBe(0);
    expect(ev.json().metrics).toEqual(evc.json().metrics);
    // encoded: the same .arrow bytes, and the same shards
    for (const [input, out] of [[join(fixtures, 'clicks'), 'pq.arrow'], [join(fixtures, 'clicks.csv'), 'csv.arrow']] as const) {
      const r = await runFm(['encode', '--input', input, '--columns', spec, '--out', join(dir, out)]);
      expect(r.code, r.err).toBe(0);
    }
    expect(readFileSync(join(dir, 'pq.arrow')).equals(readFileSync(join(dir, 'csv.arrow')))).toBe(true);
    const sp = await runFm(['encode', '--input', join(fixtures, 'clicks', 'part-00000.parquet'), '--columns', spec, '--shards', '--out', join(dir, 'pq-one'), '--json']);
    expect(sp.code, sp.err).toBe(0);
    expect(sp.json().format).toBe('parquet');
    expect(sp.json().rows).toBeLessThan(30);
  }, 120_000);
});
