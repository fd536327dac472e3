// `fm train --model ffm` applies libffm's instance-wise normalisation unless --no-normalize (issue 9).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Encoder, encodeInteractions, generateRatings } from '@fm/data';
import { loadMovieLens } from '@fm/data/node';
import { predict, selectBackend } from '@fm/train';
import { loadModel } from '@fm/train/node';
import { removeTempDirs, runFm, tempDir, uDataText, writeFiles } from './test-utils/run.js';

let dir = '';

/** The `normalize` setting of the FFM layer in a saved model's topology. */
function savedNormalize(modelDir: string): unknown {
  const topology = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { modelTopology: unknown };
  let found: unknown = 'no FFM layer';
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o['class_name'] === 'FieldAwareFactorizationMachine') found = (o['config'] as Record<string, unknown>)['normalize'];
      else Object.values(o).forEach(visit);
    }
  };
  visit(topology.modelTopology);
  return found;
}

beforeAll(async () => {
  await selectBackend('cpu');
  dir = tempDir('fm-cli-ffm-');
  const g = generateRatings({ users: 30, items: 20, density: 0.5, minPerUser: 5, seed: 4, round: true });
  writeFiles(dir, { 'u.data': uDataText(g.interactions) });
});

afterAll(() => removeTempDirs());

describe('fm train --model ffm [--no-normalize]', () => {
  it('normalises by default, not with --no-normalize, and the two train differently', async () => {
    const runs: Record<string, number> = {};
    for (const [name, extra] of [['default', []], ['off', ['--no-normalize']]] as const) {
      const out = join(dir, `m-${name}`);
      const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'ffm', '--epochs', '3', '--dim', '4', '--backend', 'cpu', '--out', out, '--json', ...extra]);
      expect(r.code, r.err).toBe(0);
      expect(savedNormalize(out)).toBe(name === 'default');
      runs[name] = r.json().final_loss as number;
    }
    expect(runs['default']).not.toBe(runs['off']);
  });

  it('says after training that FFM\'s step ran in WebAssembly SIMD (per-example AdaGrad, k = 4), and not for k = 5', async () => {
    for (const dim of ['4', '5']) {
      const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'ffm', '--epochs', '1', '--dim', dim, '--backend', 'wasm', '--out', join(dir, `m-k${dim}`)]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^engine: native \(/m);
      if (dim === '4') expect(r.out).toMatch(/^engine as run: native \(.*FFM step in WebAssembly SIMD/m);
      else expect(r.out).not.toMatch(/WebAssembly SIMD/);
    }
  });

  it('fm eval scores the saved FFM (loaded straight into the native kernels) as the tfjs model does', async () => {
    // the default model of the first test; RMSE and MAE by hand from the tfjs model's predictions
    const model = join(dir, 'm-default');
    const e = await runFm(['eval', '--model', model, '--data', join(dir, 'u.data'), '--metrics', 'rmse,mae', '--backend', 'wasm', '--json']);
    expect(e.code, e.err).toBe(0);
    const loaded = await loadModel(model);
    const data = encodeInteractions((await loadMovieLens(join(dir, 'u.data'))).interactions, { encoder: Encoder.fromJSON(loaded.encoder) });
    const [lo, hi] = loaded.meta.ratingRange as [number, number];
    const p = (await predict(loaded.model, data.dataset, { engine: 'tfjs' })).map((x) => Math.min(hi, Math.max(lo, x)));
    const y = data.dataset.labels;
    const rmse = Math.sqrt(p.reduce((s, x, i) => s + (x - (y[i] as number)) ** 2, 0) / p.length);
    const mae = p.reduce((s, x, i) => s + Math.abs(x - (y[i] as number)), 0) / p.length;
    expect(e.json().metrics.rmse).toBeCloseTo(rmse, 4);
    expect(e.json().metrics.mae).toBeCloseTo(mae, 4);
    loaded.model.dispose();
  });

  it('refuses --no-normalize on another model (exit 2, naming the flag)', async () => {
    const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'fm', '--no-normalize', '--backend', 'cpu', '--out', join(dir, 'm-fm')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--no-normalize applies to --model ffm only/);
  });
});

describe('fm train --model ffm --no-linear (libffm\'s model)', () => {
  it('trains with every linear weight at 0, says so, and the saved model scores as bias + pairs', async () => {
    const out = join(dir, 'm-nolin');
    const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'ffm', '--epochs', '3', '--dim', '4', '--backend', 'wasm', '--no-linear', '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.json().engine_reason).toMatch(/no linear term/);
    const loaded = await loadModel(out);
    const lin = loaded.model.weights.find((w) => /linear/i.test(w.name));
    expect(lin, loaded.model.weights.map((w) => w.name).join(', ')).toBeDefined();
    expect(lin?.shape[0]).toBeGreaterThan(10);
    expect(Array.from(lin?.read().dataSync() ?? [1]).every((w) => w === 0)).toBe(true);
    const withLin = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'ffm', '--epochs', '3', '--dim', '4', '--backend', 'wasm', '--out', join(dir, 'm-lin'), '--json']);
    expect(withLin.json().final_loss).not.toBe(r.json().final_loss);
    loaded.model.dispose();
  });

  it('refuses --no-linear on an FM trained by gradients and on the tfjs engine (exit 2, naming the flag)', async () => {
    const fm = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'fm', '--no-linear', '--backend', 'wasm', '--out', join(dir, 'm-fm-nolin')]);
    expect(fm.code).toBe(2);
    expect(fm.err).toMatch(/--no-linear applies to --model ffm/);
    const tfjs = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'ffm', '--no-linear', '--engine', 'tfjs', '--backend', 'wasm', '--out', join(dir, 'm-ffm-tfjs')]);
    expect(tfjs.code).toBe(2);
    expect(tfjs.err).toMatch(/--no-linear trains FFM on the native engine/);
  });
});
