// split → train → eval → recommend through every text format fm reads: split writes the input's
// own format (its lines unchanged), and every file it writes reads back with fm, without --format.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

afterAll(removeTempDirs);

const LOG = ratingLines(40, 50, 12, 21);
const fields = LOG.map((l) => l.split('\t'));

interface Format {
  name: string;
  file: string;
  text: string;
  header?: string;
  /** Extra flags every command needs (CSV column spec). */
  flags?: string[];
  split: 'leave-last-out' | 'random';
  task: 'regression' | 'binary';
  metrics: string;
  /** A user id to recommend for (formats with user and item fields). */
  user?: string;
  outExt: string;
}

const FORMATS: Format[] = [
  { name: 'MovieLens u.data (tabs)', file: 'u.data', text: LOG.join('\n'), split: 'leave-last-out', task: 'regression', metrics: 'rmse,hr@10', user: '3', outExt: 'tsv' },
  { name: 'MovieLens ratings.dat (::)', file: 'ratings.dat', text: fields.map((f) => f.join('::')).join('\n'), split: 'leave-last-out', task: 'regression', metrics: 'rmse,ndcg@10', user: '3', outExt: 'dat' },
  {
    name: 'MovieLens ratings.csv (header)',
    file: 'ratings.csv',
    header: 'userId,movieId,rating,timestamp',
    text: fields.map((f) => `${f[0]},${f[1]},${f[2]}.0,${f[3]}`).join('\n'),
    split: 'leave-last-out',
    task: 'regression',
    metrics: 'rmse,hr@5',
    user: '3',
    outExt: 'csv',
  },
  {
    name: 'CSV with a column spec',
    file: 'clicks.csv',
    header: 'user,item,liked,noise',
    text: fields.map((f) => `u${f[0]},i${f[1]},${Number(f[2]) >= 4 ? 1 : 0},${f[3]}`).join('\n'),
    flags: ['--columns', 'label=liked,user:cat,item:cat,noise:skip'],
    split: 'random',
    task: 'binary',
    metrics: 'auc,logloss,hr@10',
    user: 'u3',
    outExt: 'csv',
  },
  {
    name: 'libFM, 0-based, test indices beyond the training ones (Why: refused; "sizes [5378] but trained on [5382]")',
    file: 'data.libfm',
    text: fields.map((f) => `${Number(f[2]) >= 4 ? 1 : 0} ${Number(f[0]) - 1}:1 ${100 + Number(f[1]) - 1}:1`).join('\n'),
    split: 'random',
    task: 'binary',
    metrics: 'auc',
    outExt: 'libfm',
  },
  {
    name: 'libffm',
    file: 'data.ffm',
    text: fields.map((f) => `${Number(f[2]) >= 4 ? 1 : 0} 0:${f[0]}:1 1:${f[1]}:1`).join('\n'),
    split: 'random',
    task: 'binary',
    metrics: 'auc,logloss',
    outExt: 'ffm',
  },
];

describe('split → train → eval → recommend through every text format', () => {
  for (const f of FORMATS) {
    it(f.name, async () => {
      const d = tempDir('fm-roundtrip-');
      const input = `${f.header ? `${f.header}\n` : ''}${f.text}\n`;
      writeFiles(d, { [f.file]: input });
      const flags = f.flags ?? [];
      const run = async (args: string[]) => {
        const r = await runFm([...args, ...flags]);
        expect(r.code, `fm ${args.join(' ')}\n${r.err}`).toBe(0);
        return r;
      };
      const train = join(d, `out/train.${f.outExt}`);
      const test = join(d, `out/test.${f.outExt}`);
      await run(['split', '--input', join(d, f.file), '--strategy', f.split, '--seed', '3', '--train', train, '--test', test]);
      // the outputs hold the input's lines, unchanged, each exactly once (a header in both)
      const lines = (p: string) => readFileSync(p, 'utf8').trim().split('\n');
      const [a, b] = [lines(train), lines(test)];
      if (f.header) {
        expect(a[0]).toBe(f.header);
        expect(b[0]).toBe(f.header);
      }
      const body = (xs: string[]) => (f.header ? xs.slice(1) : xs);
      expect([...body(a), ...body(b)].sort()).toEqual(f.text.split('\n').sort());
      // every file fm wrote reads back with fm, with no --format
      const model = join(d, 'model');
      await run(['train', '--data', train, '--task', f.task, '--epochs', '3', '--dim', '4', '--out', model]);
      // sampled negatives for the ranking metrics only (elsewhere --negatives is a usage error)
      const sampled = /@|mrr/.test(f.metrics) ? ['--negatives', '10'] : [];
      const e = await run(['eval', '--model', model, '--data', test, '--metrics', f.metrics, ...sampled, '--json']);
      for (const m of f.metrics.split(',')) expect(Number.isFinite(e.json().metrics[m]), `${m} in ${JSON.stringify(e.json())}`).toBe(true);
      if (f.user !== undefined) {
        const r = await run(['recommend', '--model', model, '--user', f.user, '--k', '5', '--exclude-seen', train, '--json']);
        const seen = new Set((r.json().seen_top as { item: unknown }[]).map((s) => String(s.item)));
        const recs = r.json().recommendations as { item: unknown }[];
        expect(recs).toHaveLength(5);
        for (const x of recs) expect(seen.has(String(x.item))).toBe(false);
        expect(r.json().seen).toBeGreaterThan(0);
      }
    }, 120_000);
  }
});

it('a 0-based libFM train/test pair with different largest indices trains and evaluates with no flag', async () => {
  const d = tempDir('fm-libfm-pair-');
  writeFiles(d, { 'z.train.libfm': '1 0:1 5:1\n0 1:1 6:1\n1 0:1 7:1\n0 2:1 5:1\n1 3:1 6:1\n0 1:1 7:1\n', 'z.test.libfm': '1 0:1 9:1\n0 2:1 5:1\n' });
  const t = await runFm(['train', '--data', join(d, 'z.train.libfm'), '--model', 'fm', '--task', 'binary', '--epochs', '3', '--out', join(d, 'z')]);
  expect(t.code, t.err).toBe(0);
  const e = await runFm(['eval', '--model', join(d, 'z'), '--data', join(d, 'z.test.libfm'), '--metrics', 'auc', '--json']);
  expect(e.code, e.err).toBe(0);
  expect(e.json().unseen_rows).toBe(1);
  expect(e.err).toMatch(/z\.test\.libfm: 1 of 2 rows have values unseen in training \(features 1\)/);
});

it('libsvm −1/+1 labels train a binary model as 0/1, and it says so', async () => {
  const d = tempDir('fm-signed-');
  writeFiles(d, { 's.libsvm': '+1 1:1 3:1\n-1 2:1 3:1\n+1 1:1 4:1\n-1 2:1 4:1\n' });
  const t = await runFm(['train', '--data', join(d, 's.libsvm'), '--task', 'binary', '--epochs', '2', '--out', join(d, 'm')]);
  expect(t.code, t.err).toBe(0);
  expect(t.err).toMatch(/s\.libsvm: labels −1\/\+1 read as 0\/1 for --task binary/);
});
