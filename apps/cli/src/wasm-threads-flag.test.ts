// `--wasm-threads N`: the wasm backend's threads, decided when it first starts in the process.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRatings } from '@fm/data';
import { removeTempDirs, runFm, tempDir, uDataText, writeFiles } from './test-utils/run.js';

let dir = '';

beforeAll(() => {
  dir = tempDir('fm-cli-wasm-threads-');
  const g = generateRatings({ users: 40, items: 30, density: 0.4, minPerUser: 5, seed: 8, round: true });
  writeFiles(dir, { 'u.data': uDataText(g.interactions) });
});

afterAll(() => removeTempDirs());

describe('fm train --wasm-threads', () => {
  it('rejects a count outside 1-8, naming the flag', async () => {
    for (const bad of ['0', '9', 'two']) {
      const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'nfm', '--backend', 'wasm', '--wasm-threads', bad, '--out', join(dir, `bad-${bad}`)]);
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/--wasm-threads/);
    }
  });

  it('starts the wasm backend on 2 threads, trains a tfjs model, and a later command keeps those threads', async () => {
    const run = (threads: string, out: string) =>
      runFm(['train', '--data', join(dir, 'u.data'), '--model', 'nfm', '--epochs', '2', '--dim', '4', '--backend', 'wasm', '--wasm-threads', threads, '--out', join(dir, out), '--json']);
    const first = await run('2', 'nfm-2');
    expect(first.code, first.err).toBe(0);
    expect(first.err).toMatch(/backend: wasm \(requested wasm — wasm \(SIMD, 2 threads\) loaded\)/);
    expect(Number.isFinite(first.json().final_loss)).toBe(true);
    const second = await run('1', 'nfm-1');
    expect(second.code, second.err).toBe(0);
    expect(second.err).toMatch(/2 threads, started before/);
    expect(second.json().final_loss).toBe(first.json().final_loss); // the same seed: the same model, whatever the threads
  });
});
