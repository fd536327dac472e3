// A native model's saved topology takes the rows it trained on: `fm train` records the training data's longest row,
// and `--init-from` widens it to the new data's, so the library's `loadModel` (tfjs) scores those rows as the native
// kernels do.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predict } from '@fm/train';
import { loadModel, loadNativeModel } from '@fm/train/node';
import { loadInput } from './inputs.js';
import { loadModelBundle } from './model-store.js';
import { removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

const SPEC = 'label=label,user:cat,tags:multi|';
let dir = '';
/** Rows of `n` users with up to `maxTags` of 6 tags each; the label leans on tag t0. */
const csv = (n: number, maxTags: number) =>
  'label,user,tags\n' +
  Array.from({ length: n }, (_, r) => {
    const tags = Array.from({ length: 1 + (r % maxTags) }, (_, t) => `t${(r + t) % 6}`);
    return `${tags.includes('t0') ? 1 : 0},u${r % 9},${tags.join('|')}`;
  }).join('\n') +
  '\n';

beforeAll(() => {
  dir = tempDir('fm-cli-width-');
  writeFiles(dir, { 'day1.csv': csv(120, 2), 'day2.csv': csv(120, 5) });
});
afterAll(removeTempDirs);

describe('the row width of a saved native model', () => {
  it.each(['fm', 'ffm'])('%s: trained on rows of 3 slots, then warm-started on rows of 6: loadModel scores them', async (kind) => {
    const m1 = join(dir, `${kind}-1`);
    const t1 = await runFm(['train', '--data', join(dir, 'day1.csv'), '--columns', SPEC, '--model', kind, '--task', 'binary', '--epochs', '2', '--dim', '3', '--backend', 'cpu', '--out', m1]);
    expect(t1.code, t1.err).toBe(0);
    expect((await loadNativeModel(m1))!.model.width).toBe(3);
    const m2 = join(dir, `${kind}-2`);
    const t2 = await runFm(['train', '--data', join(dir, 'day2.csv'), '--columns', SPEC, '--init-from', m1, '--task', 'binary', '--epochs', '1', '--backend', 'cpu', '--out', m2]);
    expect(t2.code, t2.err).toBe(0);
    const bundle = await loadModelBundle(m2);
    const rows = (await loadInput(join(dir, 'day2.csv'), { command: 'eval', columns: SPEC, encoder: bundle.encoder })).dataset;
    expect(rows.maxRowLength).toBe(6);
    const tfjs = await loadModel(m2);
    expect(tfjs.model.inputs[0]?.shape).toEqual([null, 6]);
    const native = (await loadNativeModel(m2))!.model;
    const want = await predict(native, rows);
    const got = await predict(tfjs.model, rows, { engine: 'tfjs' });
    got.forEach((x, r) => expect(x).toBeCloseTo(want[r] as number, 4));
    tfjs.model.dispose();
    bundle.model.dispose();
  }, 60_000);
});
