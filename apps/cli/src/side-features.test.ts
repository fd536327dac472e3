// fm train --features / --user-features on a tiny MovieLens-format folder written here: the saved
// model applies the same side features at eval and recommend time (checked against the fixture's
// own tables and against the library path: encodeInteractions + fit + predict with the same seed).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ageGroup, encodeInteractions, ML100K_GENRES, type Interactions, type ItemInfo, type UserInfo } from '@fm/data';
import { createModel } from '@fm/layers';
import { fit, predict, selectBackend } from '@fm/train';
import { rmse } from '@fm/eval';
import { loadInput } from './inputs.js';
import { loadModelBundle, loadScoringBundle } from './model-store.js';
import { removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

const USERS = 12;
const ITEMS = 10;
const OCCUPATIONS = ['writer', 'artist', 'doctor'];
let dir = '';
const ratings: number[][] = []; // [user, item, rating, ts]
const base: number[][] = [];
const test: number[][] = [];
const genresOf = (i: number) => ML100K_GENRES.filter((_, g) => (i * 7 + g * 3) % 5 === 0);
const ageOf = (u: number) => 15 + 4 * u;
const genderOf = (u: number) => (u % 2 ? 'F' : 'M');
const occupationOf = (u: number) => OCCUPATIONS[u % 3] as string;

function toInteractions(rows: number[][]): Interactions {
  return {
    user: Int32Array.from(rows, (r) => r[0] as number),
    item: Int32Array.from(rows, (r) => r[1] as number),
    rating: Float32Array.from(rows, (r) => r[2] as number),
    timestamp: Float64Array.from(rows, (r) => r[3] as number),
    length: rows.length,
  };
}
const lines = (rows: number[][]) => rows.map((r) => r.join('\t')).join('\n') + '\n';

beforeAll(async () => {
  await selectBackend('cpu');
  dir = tempDir('fm-cli-side-');
  // every user rates items u..u+5 (mod ITEMS); rating from a planted age/genre effect
  for (let u = 1; u <= USERS; u++) {
    for (let j = 0; j < 6; j++) {
      const i = ((u + j) % ITEMS) + 1;
      const rating = Math.max(1, Math.min(5, Math.round(3 + (u % 2 ? 1 : -1) * (genresOf(i).length > 3 ? 1 : 0) + ((u + i) % 3) - 1)));
      ratings.push([u, i, rating, 1000 + 10 * u + j]);
    }
  }
  ratings.forEach((r, c) => (c % 4 === 3 ? test : base).push(r));
  const uItem = Array.from({ length: ITEMS }, (_, k) => {
    const i = k + 1;
    const flags = ML100K_GENRES.map((g) => (genresOf(i).includes(g) ? 1 : 0));
    return [i, `Film ${i} (1990)`, '01-Jan-1990', '', 'http://x', ...flags].join('|');
  });
  const uUser = Array.from({ length: USERS }, (_, k) => [k + 1, ageOf(k + 1), genderOf(k + 1), occupationOf(k + 1), '12345'].join('|'));
  writeFiles(dir, {
    'ml/ua.base': lines(base),
    'ml/ua.test': lines(test),
    'ml/u.item': uItem.join('\n') + '\n',
    'ml/u.user': uUser.join('\n') + '\n',
    'bare/ua.base': lines(base),
    'csv/train.csv': 'user,item,rating\n' + base.map((r) => r.slice(0, 3).join(',')).join('\n') + '\n',
    'csv/test.csv': 'user,item,rating\n' + test.map((r) => r.slice(0, 3).join(',')).join('\n') + '\n',
    // item 4 is missing from the item file
    'items.csv': 'item,kind\n' + Array.from({ length: ITEMS }, (_, k) => k + 1).filter((i) => i !== 4).map((i) => `${i},${genresOf(i).length > 3 ? 'busy' : 'plain'}`).join('\n') + '\n',
    // user 7 is missing from the attribute file
    'users.csv': 'user,age,job\n' + Array.from({ length: USERS }, (_, k) => k + 1).filter((u) => u !== 7).map((u) => `${u},${ageOf(u)},${occupationOf(u)}`).join('\n') + '\n',
  });
});

afterAll(() => removeTempDirs());

/**
 * Brute-force full-protocol ranks of a saved model: every (user, item) of the training vocabulary written as a file,
 * encoded as fm eval encodes it and scored by predict; per test user the pessimistic rank of its best test item among
 * the items it has no training row for. Returns MRR and HR@3 averaged over test users.
 */
async function bruteFullRanks(model: string, name: string): Promise<{ mrr: number; hr3: number }> {
  const users = [...new Set(base.map((x) => x[0] as number))].sort((a, b) => a - b);
  const items = [...new Set(base.map((x) => x[1] as number))].sort((a, b) => a - b);
  writeFiles(dir, { [`ml/${name}.data`]: lines(users.flatMap((u) => items.map((it) => [u, it, 1, 0]))) });
  const bundle = await loadScoringBundle(model, 'cpu');
  const ds = (await loadInput(join(dir, `ml/${name}.data`), { command: 'eval', encoder: bundle.encoder, side: bundle.side })).dataset;
  const s = await predict(bundle.model, ds);
  let mrr = 0;
  let hr3 = 0;
  const tested = [...new Set(test.map((x) => x[0] as number))];
  for (const u of tested) {
    const c = users.indexOf(u);
    const seen = new Set(base.filter((x) => x[0] === u).map((x) => x[1] as number));
    const relevant = new Set(test.filter((x) => x[0] === u).map((x) => x[1] as number));
    const scoreOf = (it: number) => s[c * items.length + items.indexOf(it)] as number;
    const best = Math.max(...[...relevant].map(scoreOf));
    // pessimistic: every other unmasked item scored at least as high ranks first
    const rank = 1 + items.filter((it) => !seen.has(it) && !relevant.has(it) && scoreOf(it) >= best).length;
    mrr += 1 / rank;
    hr3 += rank <= 3 ? 1 : 0;
  }
  return { mrr: mrr / tested.length, hr3: hr3 / tested.length };
}

const FEATURES = 'genres,age,gender,occupation,rated';

describe('fm train --features (MovieLens folder)', () => {
  it('trains with the side fields, and eval encodes a test row with the expected side ids and weights', async () => {
    const out = join(dir, 'm-feat');
    const r = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--test', join(dir, 'ml/ua.test'), '--features', FEATURES, '--solver', 'mcmc', '--iterations', '30', '--burn-in', '5', '--dim', '3', '--seed', '2', '--backend', 'cpu', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    expect(j.side_features.fields).toEqual(['user', 'item', 'genres', 'age', 'gender', 'occupation', 'rated']);

    // the saved bundle encodes the test file as eval does: inspect the row of test[0]
    const bundle = await loadModelBundle(out);
    const enc = bundle.encoder;
    if (!enc || !bundle.side) throw new Error('no encoder or side features saved');
    const input = await loadInput(join(dir, 'ml/ua.test'), { command: 'eval', encoder: enc, side: bundle.side });
    const ds = input.dataset;
    const [u, i] = test[0] as [number, number];
    const fieldIdx = (name: string) => ds.schema.fields.findIndex((f) => f.name === name);
    const entries = (field: string) => {
      const f = fieldIdx(field);
      const out: { key: unknown; w: number }[] = [];
      for (let p = ds.offsets[0] as number; p < (ds.offsets[1] as number); p++) {
        if (ds.fields[p] === f) out.push({ key: enc.decode(field, ds.ids[p] as number), w: ds.values[p] as number });
      }
      return out;
    };
    // rated: the items u rated in ua.base (not in the test file), weights 1/count summing to 1
    const ratedByU = base.filter((x) => x[0] === u).map((x) => x[1]).sort((a, b) => (a as number) - (b as number));
    const rated = entries('rated');
    expect(rated.map((e) => e.key).sort((a, b) => (a as number) - (b as number))).toEqual(ratedByU);
    for (const e of rated) expect(e.w).toBeCloseTo(1 / ratedByU.length, 6);
    expect(rated.reduce((s, e) => s + e.w, 0)).toBeCloseTo(1, 6);
    // genres of item i from u.item; age bucket, gender, occupation of user u from u.user
    expect(entries('genres').map((e) => e.key).sort()).toEqual([...genresOf(i)].sort());
    expect(entries('age').map((e) => e.key)).toEqual([ageGroup(ageOf(u))]);
    expect(entries('gender').map((e) => e.key)).toEqual([genderOf(u)]);
    expect(entries('occupation').map((e) => e.key)).toEqual([occupationOf(u)]);

    // the library path with the same tables, features and seed gives the same test RMSE, and eval agrees
    const items = new Map<number, ItemInfo>(Array.from({ length: ITEMS }, (_, k) => [k + 1, { id: k + 1, title: '', genres: genresOf(k + 1) }]));
    const users = new Map<number, UserInfo>(Array.from({ length: USERS }, (_, k) => [k + 1, { id: k + 1, age: ageOf(k + 1), gender: genderOf(k + 1), occupation: occupationOf(k + 1) }]));
    const features = FEATURES.split(',') as ('genres' | 'age' | 'gender' | 'occupation' | 'rated')[];
    const tr = encodeInteractions(toInteractions(base), { items, users, features });
    const te = encodeInteractions(toInteractions(test), { encoder: tr.encoder, items, users, features, implicitFrom: toInteractions(base) });
    const model = createModel('fm', { fieldDims: tr.dataset.schema.fieldDims, embeddingDim: 3, width: tr.dataset.maxRowLength, seed: 2 });
    await fit(model, tr.dataset, { solver: 'mcmc', epochs: 30, seed: 2, validation: te.dataset, bayes: { burnIn: 5 } });
    const pred = (await predict(model, te.dataset)).map((s) => Math.min(5, Math.max(1, s)));
    const ref = rmse(pred, te.dataset.labels);
    expect(Math.abs((j.test.rmse as number) - ref)).toBeLessThan(1e-9);
    const e = await runFm(['eval', '--model', out, '--data', join(dir, 'ml/ua.test'), '--backend', 'cpu', '--json']);
    expect(e.code, e.err).toBe(0);
    expect(Math.abs((e.json().metrics.rmse as number) - ref)).toBeLessThan(1e-9);

    // recommend scores the user's full rows (rated block, demographics, each item's genres)
    const user = 3;
    const rec = await runFm(['recommend', '--model', out, '--user', String(user), '--k', '4', '--std', '--backend', 'cpu', '--json']);
    expect(rec.code, rec.err).toBe(0);
    const all = Array.from({ length: ITEMS }, (_, k) => k + 1).filter((it) => base.some((x) => x[1] === it)); // the model's item vocabulary
    const rows = encodeInteractions(toInteractions(all.map((it) => [user, it, 0, 0])), { encoder: tr.encoder, items, users, features, implicitFrom: toInteractions(base) });
    const s = await predict(model, rows.dataset);
    const best = all.map((it, c) => ({ it, s: s[c] as number })).sort((a, b) => b.s - a.s || a.it - b.it).slice(0, 4);
    const recs = rec.json().recommendations as { item: number; score: number; std: number }[];
    expect(recs.map((x) => x.item)).toEqual(best.map((b) => b.it));
    recs.forEach((x, c) => {
      expect(x.score).toBeCloseTo(best[c]?.s as number, 4);
      expect(x.std).toBeGreaterThan(0);
    });
    model.dispose();
  }, 60_000);

  it('a missing u.user is an error naming the file looked for', async () => {
    const r = await runFm(['train', '--data', join(dir, 'bare/ua.base'), '--features', 'genres,age', '--solver', 'als', '--iterations', '2', '--backend', 'cpu', '--out', join(dir, 'never')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`genres needs ${join(dir, 'bare/u.item')} (not found beside ua.base)`);
  });

  it('item-side features with sampled negatives exit 2 (a negative row would keep the positive item\'s features)', async () => {
    const r = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--features', 'genres,rated', '--task', 'ranking', '--out', join(dir, 'never')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--task ranking draws negative rows .* keep the positive item's genres/);
    const neg = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--item-features', join(dir, 'items.csv'), '--item-columns', 'key=item,kind:cat', '--task', 'binary', '--negatives', '2', '--out', join(dir, 'never')]);
    expect(neg.code).toBe(2);
    expect(neg.err).toMatch(/--negatives draws negative rows .* keep the positive item's --item-features/);
  });

  it('--implicit-norm l2 weights the rated/raters bags 1/√count, and eval applies the saved weighting', async () => {
    const out = join(dir, 'm-l2');
    const r = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--features', 'rated,raters', '--implicit-norm', 'l2', '--solver', 'als', '--iterations', '3', '--dim', '2', '--backend', 'cpu', '--out', out]);
    expect(r.code, r.err).toBe(0);
    const bundle = await loadModelBundle(out);
    if (!bundle.encoder || !bundle.side) throw new Error('no encoder or side features saved');
    const ds = (await loadInput(join(dir, 'ml/ua.test'), { command: 'eval', encoder: bundle.encoder, side: bundle.side })).dataset;
    const [u, i] = test[0] as [number, number];
    // brute force over the training file: the items u rated, the users who rated i
    const bags = { rated: new Set(base.filter((x) => x[0] === u).map((x) => x[1])), raters: new Set(base.filter((x) => x[1] === i).map((x) => x[0])) };
    for (const [field, bag] of Object.entries(bags)) {
      const f = ds.schema.fields.findIndex((x) => x.name === field);
      const got: number[] = [];
      for (let p = ds.offsets[0] as number; p < (ds.offsets[1] as number); p++) if (ds.fields[p] === f) got.push(ds.values[p] as number);
      expect(got.length).toBe(bag.size);
      for (const w of got) expect(w).toBeCloseTo(1 / Math.sqrt(bag.size), 6);
    }
    const ev = await runFm(['eval', '--model', out, '--data', join(dir, 'ml/ua.test'), '--backend', 'cpu']);
    expect(ev.code, ev.err).toBe(0);
    const lonely = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--features', 'genres', '--implicit-norm', 'l2', '--out', join(dir, 'never')]);
    expect(lonely.code).toBe(2);
    expect(lonely.err).toContain('--implicit-norm l2 weights the rated/raters bags; add rated or raters to --features');
    const bad = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--features', 'rated', '--implicit-norm', 'sqrt', '--out', join(dir, 'never')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--implicit-norm');
  }, 60_000);

  it('bad --features values exit 2', async () => {
    const r = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--features', 'genres,colour', '--out', join(dir, 'never')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--features got unknown value "colour"/);
  });
});

describe('fm train --user-features FILE.csv', () => {
  it('joins on the user id; a user the file lacks gets no attributes, counted and reported at train and eval', async () => {
    const out = join(dir, 'm-csv');
    const r = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--test', join(dir, 'ml/ua.test'), '--user-features', join(dir, 'users.csv'), '--user-columns', 'key=user,age:num,job:cat', '--solver', 'als', '--iterations', '5', '--dim', '2', '--backend', 'cpu', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.json().side_features.fields).toEqual(['user', 'item', 'age', 'job']);
    const missBase = base.filter((x) => x[0] === 7).length;
    expect(r.json().side_features.missing).toEqual({ user: { rows: missBase, ids: 1 } });
    const missTest = test.filter((x) => x[0] === 7).length;
    expect(missBase).toBeGreaterThan(0);
    expect(r.err).toContain(`${join(dir, 'ml/ua.base')}: ${missBase} of ${base.length} rows (1 distinct users) have a user id that --user-features does not list`);
    expect(r.err).toContain(`${join(dir, 'ml/ua.test')}: ${missTest} of ${test.length} rows (1 distinct users)`);
    const e = await runFm(['eval', '--model', out, '--data', join(dir, 'ml/ua.test'), '--backend', 'cpu']);
    expect(e.code, e.err).toBe(0);
    expect(e.err).toContain(`${missTest} of ${test.length} rows (1 distinct users) have a user id that --user-features does not list`);

    // the encoded rows: age is the file's number min-max scaled over the training rows that have one, job its
    // category; user 7 gets age 0 (absent) and job ""
    const bundle = await loadModelBundle(out);
    const enc = bundle.encoder;
    if (!enc || !bundle.side) throw new Error('no encoder or side features saved');
    expect(bundle.side.sources[0]?.path).toBe(join(dir, 'users.csv'));
    expect(bundle.side.sources[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    const ds = (await loadInput(join(dir, 'ml/ua.base'), { command: 'eval', encoder: enc, side: bundle.side })).dataset;
    const age = ds.schema.fields.findIndex((f) => f.name === 'age');
    const job = ds.schema.fields.findIndex((f) => f.name === 'job');
    const known = base.filter((x) => x[0] !== 7).map((x) => ageOf(x[0] as number));
    const lo = Math.min(...known);
    const hi = Math.max(...known);
    expect(hi).toBeGreaterThan(lo);
    base.forEach((x, row) => {
      let a = NaN;
      let jk: unknown;
      for (let p = ds.offsets[row] as number; p < (ds.offsets[row + 1] as number); p++) {
        if (ds.fields[p] === age) a = ds.values[p] as number;
        if (ds.fields[p] === job) jk = enc.decode('job', ds.ids[p] as number);
      }
      const u = x[0] as number;
      expect(Number.isNaN(a) ? 0 : a).toBe(u === 7 ? 0 : Math.fround((ageOf(u) - lo) / (hi - lo)));
      expect(jk).toBe(u === 7 ? '' : occupationOf(u));
    });
  }, 60_000);

  it('CSV data: --item-features joins on the data column named like its key; eval and recommend apply it', async () => {
    const out = join(dir, 'm-csv-items');
    const cols = 'label=rating,user:cat,item:cat';
    const r = await runFm(['train', '--data', join(dir, 'csv/train.csv'), '--columns', cols, '--test', join(dir, 'csv/test.csv'), '--item-features', join(dir, 'items.csv'), '--item-columns', 'key=item,kind:cat', '--solver', 'mcmc', '--iterations', '20', '--burn-in', '4', '--dim', '2', '--seed', '5', '--backend', 'cpu', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    expect(j.side_features.fields).toEqual(['user', 'item', 'kind']);
    const miss = base.filter((x) => x[1] === 4).length;
    expect(r.err).toContain(`${miss} of ${base.length} rows (1 distinct items) have an item id that --item-features does not list`);
    const e = await runFm(['eval', '--model', out, '--data', join(dir, 'csv/test.csv'), '--columns', cols, '--backend', 'cpu', '--json']);
    expect(e.code, e.err).toBe(0);
    expect(Math.abs((e.json().metrics.rmse as number) - (j.test.rmse as number))).toBeLessThan(1e-9);
    // recommend: the scores of the user's rows are what eval-style encoding + predict give
    const rec = await runFm(['recommend', '--model', out, '--user', '2', '--k', '3', '--backend', 'cpu', '--json']);
    expect(rec.code, rec.err).toBe(0);
    const bundle = await loadModelBundle(out);
    const items = Array.from({ length: ITEMS }, (_, k) => k + 1).filter((it) => base.some((x) => x[1] === it));
    writeFiles(dir, { 'csv/all.csv': 'user,item,rating\n' + items.map((it) => `2,${it},0`).join('\n') + '\n' });
    if (!bundle.encoder || !bundle.side) throw new Error('no encoder or side features saved');
    const ds = (await loadInput(join(dir, 'csv/all.csv'), { command: 'eval', columns: cols, encoder: bundle.encoder, side: bundle.side })).dataset;
    const s = await predict(bundle.model, ds);
    const best = items.map((it, c) => ({ it, s: s[c] as number })).sort((a, b) => b.s - a.s || a.it - b.it).slice(0, 3);
    const recs = rec.json().recommendations as { item: string | number; score: number }[];
    expect(recs.map((x) => Number(x.item))).toEqual(best.map((b) => b.it));
    recs.forEach((x, c) => expect(x.score).toBeCloseTo(best[c]?.s as number, 5));
  }, 60_000);

  // --all-users scores a user's part against every item's part (native kernels, Bayesian samples), a tfjs model each
  // full row: either way every list must be the brute-force top-k of the user's full rows, encoded as fm eval encodes
  // a file of (user, item) pairs and scored by predict
  it.each([
    ['fm (native) with rated and raters bags', 'ml', ['--features', 'genres,age,gender,rated,raters', '--epochs', '3']],
    ['mcmc with occupation and genres', 'ml', ['--features', 'occupation,genres', '--solver', 'mcmc', '--iterations', '12', '--burn-in', '4']],
    ['ffm (native) with user and item tables', 'csv', ['--model', 'ffm', '--user-features', 'users.csv', '--user-columns', 'key=user,age:num,job:cat', '--item-features', 'items.csv', '--item-columns', 'key=item,kind:cat', '--epochs', '3']],
    ['deepfm (tfjs) with genres and age', 'ml', ['--model', 'deepfm', '--features', 'genres,age', '--epochs', '2']],
  ] as const)('recommend --all-users, %s: each list is the top-k of the full rows by predict', async (name, kind, flags) => {
    const out = join(dir, `m-all-${name.split(' ')[0]}`);
    const data = kind === 'ml' ? join(dir, 'ml/ua.base') : join(dir, 'csv/train.csv');
    const cols = kind === 'csv' ? ['--columns', 'label=rating,user:cat,item:cat'] : [];
    const args = flags.map((f) => (f.endsWith('.csv') ? join(dir, f) : f));
    const t = await runFm(['train', '--data', data, ...cols, ...args, '--dim', '3', '--seed', '3', '--backend', 'cpu', '--out', out]);
    expect(t.code, t.err).toBe(0);
    const csv = join(dir, `${name.split(' ')[0]}-recs.csv`);
    const r = await runFm(['recommend', '--model', out, '--all-users', '--k', '4', '--out', csv, '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    const got = new Map<number, { item: number; score: number }[]>();
    for (const line of readFileSync(csv, 'utf8').trim().split('\n').slice(1)) {
      const [u, it, , score] = line.split(',').map(Number) as [number, number, number, number];
      got.set(u, [...(got.get(u) ?? []), { item: it, score }]);
    }
    // every (user, item) of the model's vocabulary as a file, encoded and scored as fm eval would
    const users = [...new Set(base.map((x) => x[0] as number))].sort((a, b) => a - b);
    const items = [...new Set(base.map((x) => x[1] as number))].sort((a, b) => a - b);
    const pairs = users.flatMap((u) => items.map((it) => [u, it]));
    const file = kind === 'ml' ? join(dir, 'ml/all.data') : join(dir, 'csv/all.csv');
    writeFiles(dir, kind === 'ml' ? { 'ml/all.data': lines(pairs.map(([u, it]) => [u as number, it as number, 1, 0])) } : { 'csv/all.csv': 'user,item,rating\n' + pairs.map((p) => `${p.join(',')},1`).join('\n') + '\n' });
    // the native kernels' forward pass of each full row for LR/FM/FFM/MF (rows pairing the user with most rated
    // items and the item with most raters can be longer than any training row), tfjs for the rest
    const bundle = await loadScoringBundle(out, 'cpu');
    if (!bundle.encoder || !bundle.side) throw new Error('no encoder or side features saved');
    const ds = (await loadInput(file, { command: 'eval', encoder: bundle.encoder, side: bundle.side, ...(kind === 'csv' ? { columns: 'label=rating,user:cat,item:cat' } : {}) })).dataset;
    const s = await predict(bundle.model, ds);
    expect([...got.keys()].sort((a, b) => a - b)).toEqual(users);
    users.forEach((u, c) => {
      const best = items.map((it, j) => ({ it, s: s[c * items.length + j] as number })).sort((a, b) => b.s - a.s || a.it - b.it).slice(0, 4);
      const list = got.get(u) ?? [];
      expect(list.map((x) => x.item)).toEqual(best.map((b) => b.it));
      // shown as fm predict writes it: the rating clipped to the training range
      list.forEach((x, j) => expect(x.score).toBeCloseTo(Math.min(5, Math.max(1, best[j]?.s as number)), 4));
    });
    if (name.startsWith('fm')) {
      // the saved topology takes the training rows (bags make them longer than one slot per field): the library's
      // loadModel scores them through tfjs as the native model does
      const trainRows = (await loadInput(data, { command: 'eval', encoder: bundle.encoder, side: bundle.side })).dataset;
      const tfjs = await loadModelBundle(out);
      const viaTfjs = await predict(tfjs.model, trainRows, { engine: 'tfjs' });
      const native = await predict(bundle.model, trainRows);
      viaTfjs.forEach((x, r) => expect(x).toBeCloseTo(native[r] as number, 4));
      tfjs.model.dispose();
    }
  }, 60_000);

  // fm eval ranks a side-feature model's test items through its user and item parts: MRR and HR@3 of the full
  // protocol (every item but the user's training items) by brute force over the full rows scored by predict
  it.each([
    ['fm', ['--features', 'genres,age,rated,raters', '--epochs', '20', '--lr', '0.05']],
    ['mcmc', ['--features', 'occupation,genres,rated', '--solver', 'mcmc', '--iterations', '12', '--burn-in', '4']],
  ] as const)('fm eval --protocol full on a side-feature %s model: MRR and HR@3 of the full rows', async (name, flags) => {
    const out = join(dir, `m-rank-${name}`);
    const t = await runFm(['train', '--data', join(dir, 'ml/ua.base'), ...flags, '--dim', '3', '--seed', '4', '--backend', 'cpu', '--out', out]);
    expect(t.code, t.err).toBe(0);
    const e = await runFm(['eval', '--model', out, '--data', join(dir, 'ml/ua.test'), '--metrics', 'mrr,hr@3', '--protocol', 'full', '--backend', 'cpu', '--json']);
    expect(e.code, e.err).toBe(0);
    // the training items came from the model's own record of them
    expect(e.json().training_items_from).toMatch(/its record of the training interactions/);
    const want = await bruteFullRanks(out, `rank-all-${name}`);
    expect(e.json().metrics.mrr).toBeCloseTo(want.mrr, 4);
    expect(e.json().metrics['hr@3']).toBeCloseTo(want.hr3, 4);
  }, 60_000);

  it('--task ranking with user-side features trains (BPR); the test HR/NDCG are fm eval\'s, and its full-protocol MRR the full rows\' by predict', async () => {
    const out = join(dir, 'm-bpr-side');
    const t = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--test', join(dir, 'ml/ua.test'), '--task', 'ranking', '--features', 'age,gender,rated', '--epochs', '20', '--lr', '0.05', '--dim', '3', '--seed', '6', '--backend', 'cpu', '--out', out, '--json']);
    expect(t.code, t.err).toBe(0);
    const j = t.json();
    expect(j.side_features.fields).toEqual(['user', 'item', 'age', 'gender', 'rated']);
    const e = await runFm(['eval', '--model', out, '--data', join(dir, 'ml/ua.test'), '--metrics', 'hr@10,ndcg@10', '--negatives', '4', '--seed', '6', '--backend', 'cpu', '--json']);
    expect(e.code, e.err).toBe(0);
    // the training run's test metrics: the sampled protocol (as many negatives as every user has: 4 here), its --seed
    const t3 = await runFm(['eval', '--model', out, '--data', join(dir, 'ml/ua.test'), '--metrics', 'mrr', '--protocol', 'full', '--backend', 'cpu', '--json']);
    expect(t3.code, t3.err).toBe(0);
    expect(j.test['hr@10']).toBeCloseTo(e.json().metrics['hr@10'], 9);
    expect(j.test['ndcg@10']).toBeCloseTo(e.json().metrics['ndcg@10'], 9);
    expect(t3.json().metrics.mrr).toBeCloseTo((await bruteFullRanks(out, 'bpr-all')).mrr, 4);
    // a tfjs model with side features trains too; its test ranking metrics are not computed, and it says why
    const d = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--test', join(dir, 'ml/ua.test'), '--task', 'ranking', '--model', 'deepfm', '--features', 'age', '--epochs', '1', '--backend', 'cpu', '--out', join(dir, 'm-bpr-deepfm')]);
    expect(d.code, d.err).toBe(0);
    expect(d.err).toMatch(/no ranking metrics: a deepfm model with side features reads a row's slots by position/);
  }, 60_000);

  it.each(['fm', 'mcmc'] as const)('fm similar on a side-feature %s model compares each item\'s part: its id\'s factors plus its genres\' and raters\'', async (name) => {
    const out = join(dir, `m-sim-${name}`);
    const flags = name === 'fm' ? ['--epochs', '20', '--lr', '0.05'] : ['--solver', 'mcmc', '--iterations', '12', '--burn-in', '4'];
    const t = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--features', 'genres,age,raters', ...flags, '--dim', '3', '--seed', '7', '--backend', 'cpu', '--out', out]);
    expect(t.code, t.err).toBe(0);
    const r = await runFm(['similar', '--model', out, '--item', '3', '--k', '4', '--backend', 'cpu', '--json']);
    expect(r.code, r.err).toBe(0);
    // reference: each item's row (with any user) encoded as fm eval encodes a file; S_i = Σ x·v over its item,
    // genres and raters entries, from the saved model's factor table read as tfjs weights
    const items = [...new Set(base.map((x) => x[1] as number))].sort((a, b) => a - b);
    writeFiles(dir, { 'ml/sim-rows.data': lines(items.map((it) => [1, it, 1, 0])) });
    const bundle = await loadModelBundle(out);
    const ds = (await loadInput(join(dir, 'ml/sim-rows.data'), { command: 'eval', encoder: bundle.encoder, side: bundle.side })).dataset;
    const names = ds.schema.fields.map((f) => f.name);
    const table = bundle.model.getWeights().find((w) => w.shape.length === 2 && w.shape[0] === ds.schema.numFeatures);
    if (!table) throw new Error('no factor table');
    const V = table.dataSync();
    const S = items.map((_, r) => {
      const s = [0, 0, 0];
      for (let p = ds.offsets[r] as number; p < (ds.offsets[r + 1] as number); p++) {
        if (!['item', 'genres', 'raters'].includes(names[ds.fields[p] as number] as string)) continue;
        for (let c = 0; c < 3; c++) s[c] = (s[c] as number) + (ds.values[p] as number) * (V[(ds.ids[p] as number) * 3 + c] as number);
      }
      return s;
    });
    const cos = (a: number[], b: number[]) => a.reduce((n, x, c) => n + x * (b[c] as number), 0) / Math.hypot(...a) / Math.hypot(...b);
    const q = S[items.indexOf(3)] as number[];
    const best = items.map((it, r) => ({ it, s: cos(q, S[r] as number[]) })).filter((x) => x.it !== 3).sort((a, b) => b.s - a.s).slice(0, 4);
    const got = r.json().similar as { item: number; score: number }[];
    expect(got.map((x) => Number(x.item))).toEqual(best.map((b) => b.it));
    got.forEach((x, j) => expect(x.score).toBeCloseTo(best[j]?.s as number, 4));
  }, 60_000);

  it('fm eval ranking metrics of a side-feature tfjs model exit 1 naming what ranks', async () => {
    const out = join(dir, 'm-rank-deepfm');
    expect((await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--model', 'deepfm', '--features', 'genres', '--epochs', '1', '--backend', 'cpu', '--out', out])).code).toBe(0);
    const e = await runFm(['eval', '--model', out, '--data', join(dir, 'ml/ua.test'), '--metrics', 'hr@3', '--backend', 'cpu']);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/ranking metrics of a deepfm model with side features are not supported .* LR, FM, FFM, MF and MCMC\/ALS models rank/);
  }, 60_000);

  it('--user-features without --user-columns exits 2 naming the flag', async () => {
    const r = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--user-features', join(dir, 'users.csv'), '--out', join(dir, 'never')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--user-features .* needs --user-columns SPEC/);
  });
});
