import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel } from '@fm/layers';
import { resolveUserItemFields, SparseDataset } from '@fm/data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryCheckpointStore } from './checkpoint.js';
import { bayesOf } from './engines/bayes/attached.js';
import { BayesianFm } from './engines/bayes/bayesian-fm.js';
import { NativeModel } from './engines/native/native-model.js';
import { fit } from './fit.js';
import { loadModel, saveModel } from './node.js';
import { predict, predictDistribution } from './predict.js';
import { rankingScorer } from './ranking-scorer.js';
import { syntheticRatings } from './test-utils/toy.js';

const dir = mkdtempSync(join(tmpdir(), 'fm-bayes-fit-'));
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const all = syntheticRatings(40, 30, 900, 5);
const train = all.slice(0, 750);
const test = all.slice(750);

describe('fit with solver mcmc / als', () => {
  it("the Bayesian ranking scorer gives predict()'s score of every (user, item) row: regression past the clip range, binary as a logit", async () => {
    const fields = resolveUserItemFields(train.schema);
    const users = Int32Array.from({ length: 6 }, (_, j) => (j * 7) % fields.numUsers);
    const offsets = [0];
    const ids: number[] = [];
    for (const u of users) {
      for (let i = 0; i < fields.numItems; i++) {
        ids.push(fields.userOffset + u, fields.itemOffset + i);
        offsets.push(ids.length);
      }
    }
    const rows = new SparseDataset({ schema: train.schema, labels: new Float32Array(offsets.length - 1), offsets: Int32Array.from(offsets), ids: Int32Array.from(ids), values: new Float32Array(ids.length).fill(1) });
    const median = [...train.labels].sort((a, b) => a - b)[train.numRows >> 1] as number;
    const binary = new SparseDataset({ schema: train.schema, labels: train.labels.map((y) => (y > median ? 1 : 0)), offsets: train.offsets, ids: train.ids, values: train.values });
    for (const [task, data] of [['regression', train], ['binary', binary]] as const) {
      const model = createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 3, seed: 1 });
      await fit(model, data, { task, solver: 'mcmc', epochs: 10, seed: 3, validation: false, bayes: { burnIn: 3, ...(task === 'regression' ? { clip: [2.9, 3.1] as [number, number] } : {}) } });
      const want = await predict(model, rows);
      if (task === 'regression') expect(want.some((y) => y > 3.1)).toBe(true);
      const scorer = rankingScorer(model, { fields });
      const got = scorer.scoreMatrix(users).dataSync();
      expect(got.length).toBe(want.length);
      got.forEach((x, j) => expect(x).toBeCloseTo(want[j] as number, 4));
      const items = Int32Array.from(users, (_, j) => (j * 5) % fields.numItems);
      const pairs = scorer.scorePairs?.(users, items).dataSync() ?? [];
      pairs.forEach((x, j) => expect(x).toBeCloseTo(want[j * fields.numItems + (items[j] as number)] as number, 4));
    }
  });

  it("predict gives the unclipped predictive mean, as every model's raw output; BayesianFm.predict clips unless clip: false", async () => {
    const model = createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 3, seed: 1 });
    await fit(model, train, { solver: 'mcmc', epochs: 12, seed: 2, validation: false, bayes: { burnIn: 2, clip: [2.9, 3.1] } });
    const fm = bayesOf(model) as BayesianFm;
    const raw = fm.predict(test, { clip: false }).mean;
    const clipped = fm.predict(test).mean;
    expect(Array.from(await predict(model, test))).toEqual(Array.from(raw));
    raw.forEach((x, i) => expect(clipped[i]).toBe(Math.fround(Math.min(3.1, Math.max(2.9, x)))));
    expect(raw.some((x) => x > 3.1) && raw.some((x) => x < 2.9)).toBe(true);
  });

  it('mcmc: the same chain as BayesianFm directly; the model predicts with the kept samples, also after save/load', async () => {
    const model = createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 3, seed: 1 });
    const r = await fit(model, train, { solver: 'mcmc', epochs: 25, seed: 4, validation: test, bayes: { burnIn: 5 } });
    expect(r.engine).toBe('mcmc');
    expect(r.engineReason).toMatch(/Gibbs sampling/);
    expect(r.history).toHaveLength(25);
    // the same chain run by hand
    const direct = new BayesianFm(train, { solver: 'mcmc', task: 'regression', k: 3, seed: 4, burnIn: 5 });
    const h = direct.track(test);
    for (let i = 0; i < 25; i++) direct.iterate();
    const want = direct.trackedMean(h);
    const got = await predict(model, test);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i] as number, 5));
    // the validation metric is the running predictive mean's
    const rmse = Math.sqrt(want.reduce((s, x, i) => s + (x - (test.labels[i] as number)) ** 2, 0) / want.length);
    expect(r.history.at(-1)?.valMetrics?.['rmse']).toBeCloseTo(rmse, 5);
    const dist = predictDistribution(model, test);
    expect(dist.samples).toBe(20);
    expect(dist.std.every((s) => s > 0)).toBe(true);
    // saved with its samples, loaded back: the same predictions and spread
    await saveModel(model, join(dir, 'm'));
    const loaded = await loadModel(join(dir, 'm'));
    expect(loaded.meta['solver']).toBe('mcmc');
    const again = await predict(loaded.model, test);
    again.forEach((x, i) => expect(x).toBeCloseTo(got[i] as number, 5));
    expect(Array.from(predictDistribution(loaded.model, test).std)).toEqual(Array.from(dist.std));
    // the ranking scorer scores (user, item) rows by the predictive mean too
    const fields = resolveUserItemFields(train.schema);
    const scorer = rankingScorer(loaded.model, { fields });
    expect(scorer.engine).toBe('mcmc');
    const u = (test.ids[0] as number) - fields.userOffset;
    const i = (test.ids[1] as number) - fields.itemOffset;
    expect(scorer.scoreMatrix(Int32Array.of(u), Int32Array.of(i)).dataSync()[0]).toBeCloseTo(got[0] as number, 4);
  });

  it('als on a NativeModel, with per-group L2; binary mcmc gives probabilities through σ', async () => {
    const m = NativeModel.create('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 3 });
    const r = await fit(m, train, { solver: 'als', epochs: 10, l2: { linear: 5, factors: 5 }, validation: test });
    expect(r.engine).toBe('als');
    const mean = test.labels.reduce((s, y) => s + y, 0) / test.numRows;
    const constant = Math.sqrt(test.labels.reduce((s, y) => s + (y - mean) ** 2, 0) / test.numRows);
    expect(r.history.at(-1)?.valMetrics?.['rmse']).toBeLessThan(constant);
    expect(Array.from(predictDistribution(m, test).std).every((s) => s === 0)).toBe(true); // a point estimate
    const bin = train.select(Int32Array.from({ length: train.numRows }, (_, j) => j));
    bin.labels.forEach((y, j) => (bin.labels[j] = y >= 4 ? 1 : 0));
    const b = createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 2, seed: 1 });
    const rb = await fit(b, bin, { task: 'binary', solver: 'mcmc', epochs: 15 });
    expect(rb.engine).toBe('mcmc');
    const p = await predict(b, bin, { sigmoid: true });
    const probs = predictDistribution(b, bin).mean;
    p.forEach((x, j) => expect(x).toBeCloseTo(probs[j] as number, 4));
  });

  it('checkpoints and resumes the chain exactly', async () => {
    const opts = { solver: 'mcmc', seed: 2, validation: test } as const;
    const full = createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 2, seed: 1 });
    const a = await fit(full, train, { ...opts, epochs: 12 });
    const store = memoryCheckpointStore();
    await fit(createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 2, seed: 1 }), train, { ...opts, epochs: 6, checkpoint: { store } });
    const resumed = createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 2, seed: 1 });
    const b = await fit(resumed, train, { ...opts, epochs: 12, resumeFrom: store });
    expect(b.history.map((h) => h.valMetrics?.['rmse'])).toEqual(a.history.map((h) => h.valMetrics?.['rmse']));
    expect(Array.from(await predict(resumed, test))).toEqual(Array.from(await predict(full, test)));
  });

  it('refuses what the solvers cannot honour, naming it', async () => {
    const fm = () => createModel('fm', { fieldDims: train.schema.fieldDims, embeddingDim: 2 });
    await expect(fit(fm(), train, { solver: 'mcmc', optimizer: 'adam' })).rejects.toThrow(/optimizer does not apply to the mcmc solver/);
    await expect(fit(fm(), train, { solver: 'mcmc', batchSize: 8 })).rejects.toThrow(/batchSize does not apply/);
    await expect(fit(fm(), train, { solver: 'mcmc', l2: 0.1 })).rejects.toThrow(/l2 \(MCMC samples/);
    await expect(fit(fm(), train, { solver: 'als', task: 'ranking' })).rejects.toThrow(/ranking task \(BPR\) does not apply to the als solver/);
    await expect(fit(fm(), train, { solver: 'mcmc', validation: test, earlyStopping: { patience: 2 } })).rejects.toThrow(/earlyStopping/);
    const ffm = createModel('ffm', { fieldDims: train.schema.fieldDims, embeddingDim: 2 });
    await expect(fit(ffm, train, { solver: 'mcmc' })).rejects.toThrow(/trains LR, FM and MF models, not "ffm"/);
    expect(() => predictDistribution(fm(), test)).toThrow(/no posterior samples/);
  });
});
