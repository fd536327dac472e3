// `fm info`: what a model directory holds, checked against the model itself loaded by @fm/train.
import { join } from 'node:path';
import { loadModel } from '@fm/train/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

let dir = '';
beforeAll(() => {
  dir = tempDir();
  writeFiles(dir, { 'u.data': `${ratingLines(15, 25, 10).join('\n')}\n` });
});
afterAll(removeTempDirs);

describe('fm info', () => {
  it('an fm model: kind, task, k, parameter count, fields, training record, what else the directory keeps', async () => {
    const m = join(dir, 'fm');
    expect((await runFm(['train', '--data', join(dir, 'u.data'), '--dim', '5', '--epochs', '4', '--optimizer', 'adam', '--lr', '0.01', '--out', m, '--backend', 'cpu'])).code).toBe(0);
    const r = await runFm(['info', '--model', m, '--json']);
    expect(r.code, r.err).toBe(0);
    const j = r.json();
    const loaded = await loadModel(m);
    expect(j.kind).toBe('fm');
    expect(j.task).toBe('regression');
    expect(j.k).toBe(5);
    expect(j.parameters).toBe(loaded.model.countParams());
    expect(j.weight_bytes).toBe(4 * loaded.model.countParams());
    expect(j.fields.map((f: { cardinality: number }) => f.cardinality)).toEqual(loaded.meta.fieldDims);
    expect(j.rating_range).toEqual([1, 5]);
    expect(j.training.optimization).toMatchObject({ optimizer: 'adam', learningRate: 0.01 });
    expect(j.training.epochs).toBe(4);
    expect(j).toMatchObject({ encoder: true, bayesian: false, side_features: false, interactions: 150 });
    loaded.model.dispose();
    const text = await runFm(['info', '--model', m]);
    expect(text.out).toMatch(/: fm, task regression, k = 5, [\d,]+ parameters/);
    expect(text.out).toMatch(/optimizer +adam, lr 0\.01, batch \d+/);
  });

  it('an MCMC model: iterations and its posterior samples', async () => {
    const m = join(dir, 'mcmc');
    expect((await runFm(['train', '--data', join(dir, 'u.data'), '--solver', 'mcmc', '--iterations', '10', '--burn-in', '2', '--dim', '2', '--out', m, '--backend', 'cpu'])).code).toBe(0);
    const r = await runFm(['info', '--model', m]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/iterations +10/);
    expect(r.out).toMatch(/posterior samples \(bayes\.bin/);
  });

  it('a missing or foreign directory is an error naming it', async () => {
    const none = await runFm(['info', '--model', join(dir, 'nope')]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/--model .*nope: no such model directory/);
    const foreign = await runFm(['info', '--model', dir]);
    expect(foreign.code).toBe(1);
    expect(foreign.err).toMatch(/model\.json/);
  });
});
