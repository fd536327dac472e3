// --columns and --zero-based are read by some formats only (CSV/Parquet; libFM): given where no input reads them,
// they are a usage error naming the flag and each input's format, never silently ignored; so are --hash-seed alone
// and flags of another split strategy, data set or input.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

let dir = '';
const COLUMNS = 'label=rating,user:cat,item:cat';

beforeAll(() => {
  dir = tempDir('fm-cli-format-flags-');
  const lines = ratingLines(40, 30, 6, 3);
  const csv = (rows: string[]) => `rating,user,item\n${rows.map((l) => { const [u, i, r] = l.split('\t'); return `${r},${u},${i}`; }).join('\n')}\n`;
  writeFiles(dir, {
    'u.data': `${lines.join('\n')}\n`,
    'train.csv': csv(lines.slice(0, 180)),
    'test.csv': csv(lines.slice(180)),
    'a.libfm': '1 1:1 5:1\n0 2:1 6:1\n1 1:1 7:1\n0 3:1 5:1\n',
  });
});
afterAll(() => removeTempDirs());

describe('flags nothing would read: --columns and --zero-based without an input that reads them, --hash-seed alone', () => {
  it('are exit 2 naming the flag and the inputs, for train, eval, split and encode', async () => {
    const cases: [string[], RegExp][] = [
      [['train', '--data', join(dir, 'a.libfm'), '--task', 'binary', '--columns', COLUMNS, '--out', join(dir, 'm1')], /fm train: --columns applies to csv and parquet input; .*a\.libfm is libfm/],
      [['train', '--data', join(dir, 'u.data'), '--zero-based', '--out', join(dir, 'm2')], /fm train: --zero-based applies to libfm input; .*u\.data is movielens/],
      [['train', '--data', 'synthetic', '--columns', COLUMNS, '--out', join(dir, 'm3')], /--columns applies to csv and parquet input; synthetic data is generated/],
      [['split', '--input', join(dir, 'u.data'), '--zero-based', '--train', join(dir, 's/tr.tsv'), '--test', join(dir, 's/te.tsv')], /fm split: --zero-based applies to libfm input/],
      [['encode', '--input', join(dir, 'a.libfm'), '--columns', COLUMNS, '--out', join(dir, 'e/a.arrow')], /fm encode: --columns applies to csv and parquet input/],
    ];
    for (const [args, message] of cases) {
      const r = await runFm(args);
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
    }
  });

  it('are accepted when any input reads them: an encoded training file with a CSV test file', async () => {
    const enc = await runFm(['encode', '--input', join(dir, 'train.csv'), '--columns', COLUMNS, '--out', join(dir, 'enc/train.arrow')]);
    expect(enc.code, enc.err).toBe(0);
    const model = join(dir, 'm-arrow');
    const r = await runFm(['train', '--data', join(dir, 'enc/train.arrow'), '--test', join(dir, 'test.csv'), '--columns', COLUMNS, '--epochs', '2', '--out', model]);
    expect(r.code, r.err).toBe(0);
    const e = await runFm(['eval', '--model', model, '--data', join(dir, 'a.libfm'), '--columns', COLUMNS]);
    expect(e.code).toBe(2);
    expect(e.err).toMatch(/fm eval: --columns applies to csv and parquet input; .*a\.libfm is libfm/);
  });

  it('--hash-seed without --hash-bits is exit 2 (it seeds nothing then)', async () => {
    for (const args of [['train', '--data', join(dir, 'u.data'), '--out', join(dir, 'm-seed')], ['encode', '--input', join(dir, 'train.csv'), '--columns', COLUMNS, '--shards', '--out', join(dir, 'seed-shards')]]) {
      const r = await runFm([...args, '--hash-seed', '3']);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toMatch(new RegExp(`fm ${args[0]}: --hash-seed seeds --hash-bits; give --hash-bits too`));
    }
  });

  it('a flag another strategy, task, data set or file reads is exit 2: split --test-fraction with leave-last-out, train --negatives outside binary, generate ctr --users, generate toy --rows, recommend --format without --exclude-seen', async () => {
    const cases: [string[], RegExp][] = [
      [['split', '--input', join(dir, 'u.data'), '--strategy', 'leave-last-out', '--test-fraction', '0.3', '--train', join(dir, 'l/tr.tsv'), '--test', join(dir, 'l/te.tsv')], /fm split: --test-fraction sets the random and temporal splits' share/],
      [['generate', 'ctr', '--users', '50', '--rows', '100', '--out', join(dir, 'g/ctr.arrow')], /fm generate ctr: --users applies to ratings and implicit; ctr takes --rank, --rows, --fields, --hash-size/],
      [['generate', 'toy', '--rows', '5', '--out', join(dir, 'g/toy.arrow')], /fm generate toy: --rows applies to ctr; toy takes none of the size flags/],
      [['recommend', '--model', join(dir, 'no-model'), '--user', '1', '--format', 'movielens'], /fm recommend: --format reads the --exclude-seen file/],
      [['train', '--data', join(dir, 'u.data'), '--task', 'ranking', '--negatives', '3', '--out', join(dir, 'm-neg')], /fm train: --negatives applies to --task binary .*; --task ranking pairs each positive with one sampled negative/],
      [['train', '--data', join(dir, 'u.data'), '--negatives', '3', '--out', join(dir, 'm-neg2')], /fm train: --negatives applies to --task binary/],
    ];
    for (const [args, message] of cases) {
      const r = await runFm(args);
      expect(r.code, `${args.join(' ')}\n${r.err}`).toBe(2);
      expect(r.err).toMatch(message);
    }
    // where they are read they still work
    const ok = await runFm(['split', '--input', join(dir, 'u.data'), '--test-fraction', '0.3', '--train', join(dir, 'r/tr.tsv'), '--test', join(dir, 'r/te.tsv'), '--json']);
    expect(ok.code, ok.err).toBe(0);
    const g = await runFm(['generate', 'ctr', '--rows', '100', '--fields', '3', '--out', join(dir, 'g/ok.arrow')]);
    expect(g.code, g.err).toBe(0);
  });
});
