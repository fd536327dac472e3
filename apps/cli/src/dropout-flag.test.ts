// `fm train --dropout` is applied where the model has something to drop out, and an error elsewhere (never ignored).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRatings } from '@fm/data';
import { removeTempDirs, runFm, tempDir, uDataText, writeFiles } from './test-utils/run.js';

let dir = '';

/** Every `dropout`/`rate` setting in a saved model's topology, by layer class. */
function savedDropouts(modelDir: string): Record<string, number> {
  const topology = JSON.parse(readFileSync(join(modelDir, 'model.json'), 'utf8')) as { modelTopology: unknown };
  const found: Record<string, number> = {};
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      const config = o['config'] as Record<string, unknown> | undefined;
      if (typeof o['class_name'] === 'string' && config) {
        const rate = config['dropout'] ?? (o['class_name'] === 'Dropout' ? config['rate'] : undefined);
        if (typeof rate === 'number') found[o['class_name']] = rate;
      }
      Object.values(o).forEach(visit);
    }
  };
  visit(topology.modelTopology);
  return found;
}

beforeAll(() => {
  dir = tempDir('fm-cli-dropout-');
  const g = generateRatings({ users: 30, items: 20, density: 0.5, minPerUser: 5, seed: 4, round: true });
  writeFiles(dir, { 'u.data': uDataText(g.interactions) });
});

afterAll(() => removeTempDirs());

describe('fm train --dropout', () => {
  it('reaches the layers of a model that has them (deepfm: its MLP; ipnn: its product layer)', async () => {
    for (const [kind, layer] of [['deepfm', 'MultiLayerPerceptron'], ['ipnn', 'Dropout']] as const) {
      const out = join(dir, `m-${kind}`);
      const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', kind, '--dropout', '0.3', '--epochs', '1', '--backend', 'cpu', '--out', out]);
      expect(r.code, r.err).toBe(0);
      expect(savedDropouts(out)[layer]).toBeCloseTo(0.3, 6);
    }
  });

  it('is an error (exit 2, naming the flag and the model) where nothing would drop out, never ignored', async () => {
    // fm has no dropout at all; autoint's default has no MLP (its MLP layer would have no hidden layer to drop)
    for (const kind of ['fm', 'autoint']) {
      const r = await runFm(['train', '--data', join(dir, 'u.data'), '--model', kind, '--dropout', '0.3', '--epochs', '1', '--backend', 'cpu', '--out', join(dir, `bad-${kind}`)]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`--dropout 0\\.3: --model ${kind} has nothing dropout applies to`));
    }
    // a rate of 0 asks for nothing, so it is accepted anywhere
    const zero = await runFm(['train', '--data', join(dir, 'u.data'), '--model', 'fm', '--dropout', '0', '--epochs', '1', '--backend', 'cpu', '--out', join(dir, 'zero')]);
    expect(zero.code, zero.err).toBe(0);
  });

  it('is an error with --init-from, which keeps the saved layers', async () => {
    const r = await runFm(['train', '--data', join(dir, 'u.data'), '--init-from', join(dir, 'm-deepfm'), '--dropout', '0.1', '--epochs', '1', '--backend', 'cpu', '--out', join(dir, 'warm')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--init-from keeps the saved model's layers and their settings; drop --dropout/);
  });
});
