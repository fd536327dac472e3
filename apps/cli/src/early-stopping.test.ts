// fm train's early stopping on the rows it holds out by default: --patience works without --validation
// (the default held-out fraction is then what it watches), the run says why it stopped and which epoch's
// model it kept, and a streamed source, which holds nothing out, refuses --patience without --validation.
// Reference: the same run with the fraction given explicitly (--validation 0.1) stops at the same epochs
// with the same validation metrics; and the stop line's numbers are the JSON's.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRatings } from '@fm/data';
import { removeTempDirs, runFm, tempDir, uDataText, writeFiles } from './test-utils/run.js';

let dir = '';

beforeAll(() => {
  dir = tempDir('fm-cli-es-');
  // few ratings per user and a large learning rate: validation RMSE turns up within a few epochs
  const all = generateRatings({ users: 60, items: 40, density: 0.25, minPerUser: 4, seed: 4, round: true }).interactions;
  writeFiles(dir, { 'ua.base': uDataText(all) });
});

afterAll(() => removeTempDirs());

describe('fm train --patience on the default held-out rows', () => {
  const common = (out: string) => ['train', '--data', join(dir, 'ua.base'), '--model', 'fm', '--optimizer', 'adam', '--lr', '0.05', '--dim', '16', '--epochs', '60', '--patience', '2', '--seed', '3', '--out', join(dir, out)];

  it('stops early on them, as with --validation 0.1, and says why and which epoch it kept', async () => {
    const byDefault = await runFm([...common('m-default'), '--json']);
    expect(byDefault.code, byDefault.err).toBe(0);
    const explicit = await runFm([...common('m-explicit'), '--validation', '0.1', '--json']);
    expect(explicit.code, explicit.err).toBe(0);
    const a = byDefault.json();
    const b = explicit.json();
    expect(a.stop_reason).toBe('early-stopping');
    expect(a.epochs).toBeLessThan(60);
    expect(a.epochs - a.best_epoch).toBe(2);
    expect(a.epochs).toBe(b.epochs);
    expect(a.best_epoch).toBe(b.best_epoch);
    expect(a.validation.rmse).toBeCloseTo(b.validation.rmse, 12);

    const human = await runFm(common('m-human'));
    expect(human.code, human.err).toBe(0);
    const text = human.out + human.err;
    expect(text).toContain(`stopped early: validation rmse no better than epoch ${a.best_epoch}'s for 2 epochs (patience 2); the model is epoch ${a.best_epoch}'s`);
    expect(text).toMatch(/validation \(10 % of --data held out; --validation to choose\): loss [\d.]+, rmse [\d.]+/);
  });

  it('a run that uses every epoch prints no stop line', async () => {
    const r = await runFm(['train', '--data', join(dir, 'ua.base'), '--model', 'fm', '--epochs', '2', '--patience', '5', '--out', join(dir, 'm-short')]);
    expect(r.code, r.err).toBe(0);
    expect(r.out + r.err).not.toContain('stopped early');
  });

  it('a streamed shard directory refuses --patience without --validation, naming both flags', async () => {
    const csv = ['click,user,item', ...Array.from({ length: 400 }, (_, i) => `${i % 3 === 0 ? 1 : 0},u${i % 17},i${i % 11}`)].join('\n');
    writeFiles(dir, { 'clicks.csv': `${csv}\n` });
    const enc = await runFm(['encode', '--input', join(dir, 'clicks.csv'), '--columns', 'label=click,user:cat,item:cat', '--shards', '--shard-rows', '100', '--out', join(dir, 'shards')]);
    expect(enc.code, enc.err).toBe(0);
    const r = await runFm(['train', '--data', join(dir, 'shards'), '--task', 'binary', '--patience', '2', '--out', join(dir, 'm-shards')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--patience needs --validation when --data is streamed/);
  });
});
