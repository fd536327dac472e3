// fm train --solver mcmc|als end to end (in process): train → eval → recommend on a small planted
// ratings set, checked against the library path (encodeInteractions + fit + predict with the same seed).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeInteractions, generateRatings, selectInteractions, type Interactions } from '@fm/data';
import { createModel } from '@fm/layers';
import { fit, predict, predictDistribution, selectBackend } from '@fm/train';
import { auc, logLoss, rmse } from '@fm/eval';
import { removeTempDirs, runFm, tempDir, uDataText, writeFiles } from './test-utils/run.js';

let dir = '';
let base: Interactions;
let test: Interactions;

/** What the library gives for the same data, solver, seed and settings. */
async function libraryRun(solver: 'mcmc' | 'als', opts: { iterations: number; burnIn?: number; k: number; seed: number; task?: 'regression' | 'binary'; binarize?: boolean }) {
  const bin = (x: Interactions): Interactions => (opts.binarize ? { ...x, rating: x.rating.map((y) => (y >= 4 ? 1 : 0)) } : x);
  const tr = encodeInteractions(bin(base));
  const te = encodeInteractions(bin(test), { encoder: tr.encoder });
  const model = createModel('fm', { fieldDims: tr.dataset.schema.fieldDims, embeddingDim: opts.k, width: 2, seed: opts.seed });
  await fit(model, tr.dataset, {
    solver,
    task: opts.task ?? 'regression',
    epochs: opts.iterations,
    seed: opts.seed,
    validation: te.dataset,
    ...(opts.burnIn !== undefined ? { bayes: { burnIn: opts.burnIn } } : {}),
  });
  return { model, train: tr, test: te };
}

function clipTo(scores: Float32Array, labels: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const y of labels) [lo, hi] = [Math.min(lo, y), Math.max(hi, y)];
  return scores.map((s) => Math.min(hi, Math.max(lo, s)));
}

beforeAll(async () => {
  await selectBackend('cpu');
  dir = tempDir('fm-cli-bayes-');
  const gen = generateRatings({ users: 50, items: 40, density: 0.4, minPerUser: 8, seed: 5, round: true });
  const all = gen.interactions;
  const rows = Array.from({ length: all.length }, (_, r) => r);
  base = selectInteractions(all, rows.filter((r) => r % 5 !== 0));
  test = selectInteractions(all, rows.filter((r) => r % 5 === 0));
  writeFiles(dir, {
    'ml/ua.base': uDataText(base),
    'ml/ua.test': uDataText(test),
    'bin/ua.base': uDataText(base, (r) => ((base.rating[r] as number) >= 4 ? 1 : 0)),
    'bin/ua.test': uDataText(test, (r) => ((test.rating[r] as number) >= 4 ? 1 : 0)),
  });
});

afterAll(() => removeTempDirs());

describe('fm train --solver mcmc|als', () => {
  for (const solver of ['mcmc', 'als'] as const) {
    it(`${solver}: beats the constant predictor and equals the library's fit() with the same seed; eval and recommend agree`, async () => {
      const out = join(dir, `m-${solver}`);
      const args = ['train', '--data', join(dir, 'ml/ua.base'), '--test', join(dir, 'ml/ua.test'), '--solver', solver, '--iterations', '40', '--dim', '4', '--seed', '3', '--backend', 'cpu', '--out', out, '--json'];
      if (solver === 'mcmc') args.push('--burn-in', '5');
      const r = await runFm(args);
      expect(r.code, r.err).toBe(0);
      const j = r.json();
      expect(j.solver).toBe(solver);
      expect(j.iterations).toBe(40);
      expect(j.burn_in).toBe(solver === 'mcmc' ? 5 : null);
      // one progress line per iteration, with the tracked test RMSE
      const lines = r.err.split('\n').filter((l) => l.startsWith('iteration '));
      expect(lines).toHaveLength(40);
      expect(lines[39]).toMatch(/^iteration 40\/40 loss \S+ test_loss \S+ test_rmse \S+/);

      const lib = await libraryRun(solver, { iterations: 40, k: 4, seed: 3, ...(solver === 'mcmc' ? { burnIn: 5 } : {}) });
      const ref = rmse(clipTo(await predict(lib.model, lib.test.dataset), lib.train.dataset.labels), lib.test.dataset.labels);
      expect(Math.abs((j.test.rmse as number) - ref)).toBeLessThan(1e-9);
      const mean = base.rating.reduce((a, b) => a + b, 0) / base.length;
      const constant = rmse(new Float32Array(test.length).fill(mean), test.rating);
      expect(j.test.rmse as number).toBeLessThan(constant - 0.02);

      // eval of the saved model scores as the trained one
      const e = await runFm(['eval', '--model', out, '--data', join(dir, 'ml/ua.test'), '--backend', 'cpu', '--json']);
      expect(e.code, e.err).toBe(0);
      expect(Math.abs((e.json().metrics?.rmse ?? e.json().rmse) - ref)).toBeLessThan(1e-9);

      // recommend: the library's scores of the same user's items, best first
      const rec = await runFm(['recommend', '--model', out, '--user', '1', '--k', '5', '--backend', 'cpu', '--json']);
      expect(rec.code, rec.err).toBe(0);
      const recs = rec.json().recommendations as { item: number; score: number }[];
      const items = [...lib.train.encoder.vocabulary('item').keys] as number[];
      const rowsOf = encodeInteractions(
        { user: new Int32Array(items.length).fill(1), item: Int32Array.from(items), rating: new Float32Array(items.length), timestamp: new Float64Array(items.length), length: items.length } as Interactions,
        { encoder: lib.train.encoder },
      ).dataset;
      const scores = await predict(lib.model, rowsOf);
      const best = items.map((it, c) => ({ it, s: scores[c] as number })).sort((a, b) => b.s - a.s).slice(0, 5);
      expect(recs.map((x) => x.item)).toEqual(best.map((b) => b.it));
      recs.forEach((x, c) => expect(x.score).toBeCloseTo(best[c]?.s as number, 4));
      lib.model.dispose();
    }, 60_000);
  }

  it('recommend --std gives the predictive std of an MCMC model (the library\'s predictDistribution)', async () => {
    const out = join(dir, 'm-mcmc');
    const rec = await runFm(['recommend', '--model', out, '--user', '2', '--k', '4', '--std', '--backend', 'cpu', '--json']);
    expect(rec.code, rec.err).toBe(0);
    const recs = rec.json().recommendations as { item: number; std: number }[];
    const lib = await libraryRun('mcmc', { iterations: 40, burnIn: 5, k: 4, seed: 3 });
    const enc = encodeInteractions(
      { user: new Int32Array(recs.length).fill(2), item: Int32Array.from(recs.map((x) => x.item)), rating: new Float32Array(recs.length), timestamp: new Float64Array(recs.length), length: recs.length } as Interactions,
      { encoder: lib.train.encoder },
    ).dataset;
    const { std } = predictDistribution(lib.model, enc);
    recs.forEach((x, c) => {
      expect(x.std).toBeGreaterThan(0);
      expect(Math.abs(x.std - (std[c] as number))).toBeLessThan(1e-6);
    });
    // the human table has a std column
    const text = await runFm(['recommend', '--model', out, '--user', '2', '--k', '4', '--std', '--backend', 'cpu']);
    expect(text.out).toMatch(/predicted\s+std/);
    lib.model.dispose();
  }, 60_000);

  it('binary MCMC (probit): AUC and log loss on --test, equal to the library, better than the base rate', async () => {
    const out = join(dir, 'm-bin');
    const r = await runFm(['train', '--data', join(dir, 'bin/ua.base'), '--test', join(dir, 'bin/ua.test'), '--task', 'binary', '--solver', 'mcmc', '--iterations', '40', '--burn-in', '5', '--dim', '4', '--seed', '3', '--backend', 'cpu', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    expect(r.err).toMatch(/iteration 40\/40 .*test_logloss \S+ test_auc \S+/);
    const lib = await libraryRun('mcmc', { iterations: 40, burnIn: 5, k: 4, seed: 3, task: 'binary', binarize: true });
    const p = await predict(lib.model, lib.test.dataset, { sigmoid: true }); // σ(logit P) = P, the probit predictive
    const y = lib.test.dataset.labels;
    expect(Math.abs((j.test.auc as number) - auc(p, y))).toBeLessThan(1e-9);
    expect(Math.abs((j.test.logloss as number) - logLoss(p, y))).toBeLessThan(1e-6);
    const rate = lib.train.dataset.labels.reduce((a, b) => a + b, 0) / lib.train.dataset.numRows;
    expect(j.test.logloss as number).toBeLessThan(logLoss(new Float32Array(y.length).fill(rate), y));
    expect(j.test.auc as number).toBeGreaterThan(0.6);
    lib.model.dispose();
  }, 60_000);
});

describe('fm train --solver: other models and tasks', () => {
  it('als on the binary task, and mcmc on --model mf, beat the constant predictors', async () => {
    const bin = await runFm(['train', '--data', join(dir, 'bin/ua.base'), '--test', join(dir, 'bin/ua.test'), '--task', 'binary', '--solver', 'als', '--iterations', '20', '--dim', '4', '--backend', 'cpu', '--out', join(dir, 'm-als-bin'), '--json']);
    expect(bin.code, bin.err).toBe(0);
    const y = test.rating.map((r) => (r >= 4 ? 1 : 0));
    const rate = base.rating.reduce((a, r) => a + (r >= 4 ? 1 : 0), 0) / base.length;
    expect(bin.json().test.logloss as number).toBeLessThan(logLoss(new Float32Array(y.length).fill(rate), y));
    const mf = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--test', join(dir, 'ml/ua.test'), '--model', 'mf', '--solver', 'mcmc', '--iterations', '30', '--burn-in', '5', '--dim', '4', '--backend', 'cpu', '--out', join(dir, 'm-mf'), '--json']);
    expect(mf.code, mf.err).toBe(0);
    const mean = base.rating.reduce((a, b) => a + b, 0) / base.length;
    expect(mf.json().test.rmse as number).toBeLessThan(rmse(new Float32Array(test.length).fill(mean), test.rating) - 0.02);
  }, 60_000);
});

describe('fm train --solver mcmc --checkpoint / --resume', () => {
  it('10 iterations, then resumed to 25, equal a straight 25-iteration run', async () => {
    const common = ['--data', join(dir, 'ml/ua.base'), '--test', join(dir, 'ml/ua.test'), '--solver', 'mcmc', '--burn-in', '4', '--dim', '3', '--seed', '9', '--backend', 'cpu', '--json'];
    const ck = join(dir, 'ck-mcmc');
    const first = await runFm(['train', ...common, '--iterations', '10', '--checkpoint', ck, '--out', join(dir, 'm-ck1')]);
    expect(first.code, first.err).toBe(0);
    const resumed = await runFm(['train', ...common, '--iterations', '25', '--resume', ck, '--out', join(dir, 'm-ck2')]);
    expect(resumed.code, resumed.err).toBe(0);
    const straight = await runFm(['train', ...common, '--iterations', '25', '--out', join(dir, 'm-ck3')]);
    expect(straight.code, straight.err).toBe(0);
    expect(resumed.json().iterations).toBe(25);
    expect(resumed.json().test.rmse).toBe(straight.json().test.rmse);
    expect(resumed.json().test.rmse).not.toBe(first.json().test.rmse);
  }, 60_000);
});

describe('fm train solver flags: bad combinations exit 2 naming the flags', () => {
  const cases: [string, string[], RegExp][] = [
    ['unknown solver', ['--solver', 'gibbs'], /--solver expects one of mcmc\|als\|sgd\|adam\|adagrad\|ftrl, got "gibbs"/],
    ['burn-in ≥ iterations', ['--solver', 'mcmc', '--iterations', '10', '--burn-in', '10'], /--burn-in 10 must be less than --iterations 10/],
    ['burn-in ≥ the default iterations', ['--solver', 'mcmc', '--burn-in', '500'], /--burn-in 500 must be less than --iterations 200 \(the default\)/],
    ['solver and optimizer disagree', ['--solver', 'sgd', '--optimizer', 'adam'], /--solver sgd and --optimizer adam disagree/],
    ['mcmc with an optimizer', ['--solver', 'mcmc', '--optimizer', 'adam'], /--optimizer adam applies to gradient solvers, not --solver mcmc/],
    ['mcmc on a deep model', ['--solver', 'mcmc', '--model', 'deepfm'], /--solver mcmc trains --model fm, lr, mf, not deepfm/],
    ['mcmc with a learning rate', ['--solver', 'mcmc', '--lr', '0.1'], /--lr does not apply to --solver mcmc/],
    ['mcmc with --l2', ['--solver', 'mcmc', '--l2', '0.1'], /--l2 does not apply to --solver mcmc/],
    ['als with --burn-in', ['--solver', 'als', '--burn-in', '3'], /--burn-in applies to --solver mcmc/],
    ['iterations on a gradient solver', ['--solver', 'adam', '--iterations', '5'], /--iterations applies to --solver mcmc\|als; gradient solvers take --epochs/],
    ['mcmc for ranking', ['--solver', 'mcmc', '--task', 'ranking'], /not ranking/],
  ];
  for (const [name, flags, msg] of cases) {
    it(name, async () => {
      const r = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--out', join(dir, 'never'), ...flags]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(msg);
    });
  }

  it('--solver sgd is --optimizer sgd (both given and equal is fine)', async () => {
    const r = await runFm(['train', '--data', join(dir, 'ml/ua.base'), '--solver', 'sgd', '--optimizer', 'sgd', '--epochs', '1', '--backend', 'cpu', '--out', join(dir, 'm-sgd'), '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.json().solver).toBe('sgd');
  }, 60_000);

  it('recommend --std on a model of a gradient solver exits 2', async () => {
    const r = await runFm(['recommend', '--model', join(dir, 'm-sgd'), '--user', '1', '--std', '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--std needs a model trained with --solver mcmc/);
  }, 60_000);

  it('recommend --std on an ALS model exits 2 (a point estimate)', async () => {
    const r = await runFm(['recommend', '--model', join(dir, 'm-als'), '--user', '1', '--std', '--backend', 'cpu']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/solver als, a point estimate/);
  }, 60_000);
});
