// `fm train` trains LR/FM/FFM/MF as a NativeModel on cpu/wasm, with Hogwild threads by policy or `--threads N`.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRatings } from '@fm/data';
import { selectBackend } from '@fm/train';
import { loadModel } from '@fm/train/node';
import { removeTempDirs, runFm, tempDir, uDataText, writeFiles } from './test-utils/run.js';

let dir = '';

/** Every weight of a saved model, in order. */
async function savedWeights(modelDir: string): Promise<number[][]> {
  const { model } = await loadModel(modelDir);
  const w = model.getWeights().map((t) => Array.from(t.dataSync()));
  model.dispose();
  return w;
}

beforeAll(async () => {
  await selectBackend('wasm');
  dir = tempDir('fm-cli-threads-');
  const g = generateRatings({ users: 40, items: 30, density: 0.4, minPerUser: 5, seed: 6, round: true });
  // large enough for MCMC to split its user and item fields across threads (≥ 16 ids, ≥ 1,024 rows)
  const big = generateRatings({ users: 200, items: 120, density: 0.1, minPerUser: 5, seed: 7, round: true });
  writeFiles(dir, { 'u.data': uDataText(g.interactions), 'big.data': uDataText(big.interactions) });
});

afterAll(() => removeTempDirs());

describe('fm train on the native engine', () => {
  it('trains a NativeModel; with --threads 1 the same command saves the same model', async () => {
    const run = (out: string) =>
      runFm(['train', '--data', join(dir, 'u.data'), '--model', 'fm', '--epochs', '3', '--dim', '4', '--threads', '1', '--backend', 'wasm', '--out', join(dir, out), '--json']);
    const [a, b] = [await run('fm-a'), await run('fm-b')];
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(a.json().engine_reason).toMatch(/NativeModel/);
    expect(a.json().threads).toBe(1);
    expect(b.json().final_loss).toBe(a.json().final_loss);
    expect(await savedWeights(join(dir, 'fm-b'))).toEqual(await savedWeights(join(dir, 'fm-a')));
  });

  it('--threads 2 trains on two Hogwild threads and says so', async () => {
    const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'ffm', '--epochs', '2', '--dim', '4', '--threads', '2', '--backend', 'wasm', '--out', join(dir, 'ffm-2')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^engine as run: native \(.*2 Hogwild threads/m);
    expect(r.out).toMatch(/native engine on 2 threads/);
  });

  it('--threads where the native engine does not train is a usage error naming the flag', async () => {
    for (const [args, why] of [
      [['--model', 'deepfm', '--epochs', '1'], /trains a deepfm model with tfjs on backend wasm: drop --threads/],
      [['--model', 'fm', '--engine', 'tfjs', '--epochs', '1'], /trains a fm model with tfjs on backend wasm: drop --threads/],
    ] as const) {
      const r = await runFm(['train', '--data', join(dir, 'u.data'), ...args, '--threads', '2', '--backend', 'wasm', '--out', join(dir, 'x')]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(why);
    }
  });
});

describe('fm train --solver mcmc/als on threads', () => {
  it('--threads 2 sweeps on two threads, says so, and saves the very model --threads 1 saves', async () => {
    for (const solver of ['mcmc', 'als']) {
      const run = (threads: string) =>
        runFm(['train', '--data', join(dir, 'big.data'), '--model', 'fm', '--solver', solver, '--iterations', '6', '--dim', '4', '--threads', threads, '--out', join(dir, `${solver}-${threads}`), '--json']);
      const [one, two] = [await run('1'), await run('2')];
      expect(one.code, one.err).toBe(0);
      expect(two.code, two.err).toBe(0);
      expect(one.json().threads).toBe(1);
      expect(two.json().threads).toBe(2);
      expect(two.json().engine_reason).toMatch(/2 threads/);
      expect(await savedWeights(join(dir, `${solver}-2`))).toEqual(await savedWeights(join(dir, `${solver}-1`)));
    }
  });

  it('a chain checkpointed on 2 threads and resumed on 2 equals a straight run on 1', async () => {
    const common = ['--data', join(dir, 'big.data'), '--model', 'fm', '--solver', 'mcmc', '--burn-in', '2', '--dim', '4', '--json'];
    const ck = join(dir, 'ck-threads');
    const first = await runFm(['train', ...common, '--iterations', '4', '--threads', '2', '--checkpoint', ck, '--out', join(dir, 'ck-a')]);
    expect(first.code, first.err).toBe(0);
    const resumed = await runFm(['train', ...common, '--iterations', '8', '--threads', '2', '--resume', ck, '--out', join(dir, 'ck-b')]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.json().threads).toBe(2);
    const straight = await runFm(['train', ...common, '--iterations', '8', '--threads', '1', '--out', join(dir, 'ck-c')]);
    expect(straight.code, straight.err).toBe(0);
    expect(await savedWeights(join(dir, 'ck-b'))).toEqual(await savedWeights(join(dir, 'ck-c')));
    expect(await savedWeights(join(dir, 'ck-b'))).not.toEqual(await savedWeights(join(dir, 'ck-a')));
  });

  it('on data too small to split, --threads 2 runs on one thread and says why', async () => {
    const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'fm', '--solver', 'mcmc', '--iterations', '2', '--threads', '2', '--out', join(dir, 'mcmc-small'), '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.json().threads).toBe(1);
    expect(r.json().engine_reason).toMatch(/1 thread: no categorical field/);
  });

  it('--threads beyond 8 is a usage error', async () => {
    const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'fm', '--solver', 'mcmc', '--iterations', '2', '--threads', '9', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--threads 9: --solver mcmc runs on at most 8 threads/);
  });
});
