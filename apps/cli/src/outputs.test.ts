// Outputs are never inputs, files fm did not write are kept unless --force, multi-file outputs are
// replaced as one unit, and leftovers of killed runs are cleaned by the next run (in-process runs).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ratingLines, removeTempDirs, runFm, tempDir, writeFiles } from './test-utils/run.js';

afterAll(removeTempDirs);

const REAL_ITEM = '1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n';
const leftovers = (d: string) => readdirSync(d).filter((f) => f.includes('.fm-tmp-') || f.includes('.fm-commit-'));
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number;

describe('outputs are never inputs', () => {
  it('split refuses the same path for --train and --test, and writes nothing (Why: exit 0, test rows only)', async () => {
    const d = tempDir();
    writeFiles(d, { 'u.data': `${ratingLines(10, 20, 8).join('\n')}\n` });
    const r = await runFm(['split', '--input', join(d, 'u.data'), '--train', join(d, 's/x.arrow'), '--test', join(d, 's/./x.arrow')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--train and --test both write .*x\.arrow; give each output its own path/);
    expect(existsSync(join(d, 's'))).toBe(false);
  });

  it('split refuses to overwrite its own input, also through a sidecar (Why: split can overwrite its input)', async () => {
    const d = tempDir();
    const data = `${ratingLines(10, 20, 8).join('\n')}\n`;
    writeFiles(d, { 'u.data': data });
    const a = await runFm(['split', '--input', join(d, 'u.data'), '--train', join(d, 'u.data'), '--test', join(d, 't.tsv')]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/--train .*u\.data is also an input \(--input\)/);
    expect(readFileSync(join(d, 'u.data'), 'utf8')).toBe(data);
    expect((await runFm(['encode', '--input', join(d, 'u.data'), '--out', join(d, 'all.arrow')])).code).toBe(0);
    const b = await runFm(['split', '--input', join(d, 'all.arrow'), '--train', join(d, 'all.arrow'), '--test', join(d, 'b.arrow')]);
    expect(b.code).toBe(2);
    const c = await runFm(['encode', '--input', join(d, 'u.data'), '--out', join(d, 'u.data.arrow'), '--encoder', join(d, 'u.data.encoder.json')]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--out \(its encoder sidecar\) .* is also an input \(--encoder\)/);
  });

  it('train refuses --checkpoint equal to --out', async () => {
    const d = tempDir();
    const r = await runFm(['train', '--data', 'synthetic', '--out', join(d, 'm'), '--checkpoint', join(d, 'm')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out and --checkpoint both write/);
  });
});

describe('files fm did not write are kept unless --force', () => {
  it('generate --format movielens does not replace a real u.item beside --out (Why: 1,682 titles replaced)', async () => {
    const d = tempDir();
    writeFiles(d, { 'u.item': REAL_ITEM });
    const args = ['generate', 'ratings', '--users', '30', '--items', '40', '--density', '0.6', '--format', 'movielens', '--out', join(d, 'x.tsv')];
    const r = await runFm(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/u\.item exists and fm did not write it .*pass --force/);
    expect(readFileSync(join(d, 'u.item'), 'utf8')).toBe(REAL_ITEM);
    expect(existsSync(join(d, 'x.tsv'))).toBe(false);
    expect((await runFm([...args, '--force'])).code).toBe(0);
    expect(readFileSync(join(d, 'u.item'), 'latin1')).not.toBe(REAL_ITEM);
    // what fm wrote, fm may replace without --force; a file edited since is protected again
    expect((await runFm([...args, '--seed', '7'])).code).toBe(0);
    writeFileSync(join(d, 'x.tsv'), 'edited by hand\n');
    expect((await runFm([...args, '--seed', '8'])).code).toBe(2);
  });

  it('train writes a model only into an fm model directory or an empty one, or with --force keeping other files', async () => {
    const d = tempDir();
    writeFiles(d, { 'notes/todo.txt': 'mine' });
    const args = ['train', '--data', 'synthetic', '--epochs', '1', '--dim', '2', '--out', join(d, 'notes')];
    const r = await runFm(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out .*notes exists and is not an fm model directory; pass --force/);
    expect(readdirSync(join(d, 'notes'))).toEqual(['todo.txt']);
    writeFiles(d, { 'afile': 'x' });
    expect((await runFm(['train', '--data', 'synthetic', '--out', join(d, 'afile')])).err).toMatch(/--out .*afile is a file, expected a directory/);
  });
});

describe('multi-file outputs are replaced as one unit', () => {
  it('an .arrow and its sidecars: a sidecar the new set lacks is removed; a sidecar of another version is caught (Why: stale sidecar)', async () => {
    const d = tempDir();
    writeFiles(d, { 'ml/u.data': `${ratingLines(10, 20, 8).join('\n')}\n`, 'ml/u.item': REAL_ITEM, 'z.libfm': '1 0:1 5:1\n0 1:1 6:1\n' });
    expect((await runFm(['encode', '--input', join(d, 'ml/u.data'), '--out', join(d, 'x.arrow')])).code).toBe(0);
    expect(existsSync(join(d, 'x.items.json'))).toBe(true);
    expect((await runFm(['encode', '--input', join(d, 'z.libfm'), '--out', join(d, 'x.arrow')])).code).toBe(0);
    expect(readdirSync(d).filter((f) => f.startsWith('x.')).sort()).toEqual(['x.arrow', 'x.encoder.json']);
    // put another dataset's .arrow in place by hand: its sidecar no longer matches
    expect((await runFm(['encode', '--input', join(d, 'ml/u.data'), '--out', join(d, 'y.arrow')])).code).toBe(0);
    copyFileSync(join(d, 'y.arrow'), join(d, 'x.arrow'));
    const r = await runFm(['split', '--input', join(d, 'x.arrow'), '--train', join(d, 'a.arrow'), '--test', join(d, 'b.arrow')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/x\.encoder\.json belongs to another version of .*x\.arrow/);
  });

  it('the next run settles a set a killed run left half-committed, and removes its temporaries (Why: .tmp-* never cleaned)', async () => {
    const d = tempDir();
    writeFiles(d, { 'u.data': `${ratingLines(12, 20, 8).join('\n')}\n` });
    const split = ['split', '--input', join(d, 'u.data'), '--train', join(d, 'out/train.tsv'), '--test', join(d, 'out/test.tsv')];
    expect((await runFm(split)).code).toBe(0);
    const train = readFileSync(join(d, 'out/train.tsv'));
    // a killed run: a sealed journal with the test file renamed and the train file not yet
    const pid = deadPid();
    const tmp = join(d, 'out', `.train.tsv.fm-tmp-${pid}-0a0b0c0d`);
    writeFileSync(tmp, 'NEW TRAIN\n');
    writeFileSync(join(d, 'out/test.tsv'), 'NEW TEST\n');
    const journals = ['train.tsv', 'test.tsv'].map((n) => join(d, 'out', `.${n}.fm-commit-${pid}-00c0ffee.json`));
    const text = JSON.stringify({ format: 'fm-commit/1', renames: [{ tmp, target: join(d, 'out/train.tsv') }, { tmp: join(d, 'out', '.test.tsv.fm-tmp-gone'), target: join(d, 'out/test.tsv') }], journals });
    for (const j of journals) writeFileSync(j, text);
    const stray = join(d, 'out', `.big.arrow.fm-tmp-${pid}-deadbeef`);
    writeFileSync(stray, Buffer.alloc(1 << 20));
    expect(readFileSync(join(d, 'out/train.tsv'))).toEqual(train);
    // reading the outputs settles the set first: both new
    const enc = await runFm(['encode', '--input', join(d, 'u.data'), '--out', join(d, 'out/all.arrow')]);
    expect(enc.code, enc.err).toBe(0);
    expect(readFileSync(join(d, 'out/train.tsv'), 'utf8')).toBe('NEW TRAIN\n');
    expect(leftovers(join(d, 'out'))).toEqual([]);
    expect(existsSync(stray)).toBe(false);
  });

  it('train replaces a model directory as one unit and leaves one version', async () => {
    const d = tempDir();
    const args = ['train', '--data', 'synthetic', '--epochs', '1', '--dim', '2', '--validation', '0.1', '--out', join(d, 'm')];
    expect((await runFm(args)).code).toBe(0);
    mkdirSync(join(d, 'm', `v-0badc0de-${deadPid()}`)); // a killed save's version folder
    expect((await runFm([...args, '--seed', '3'])).code).toBe(0);
    expect(readdirSync(join(d, 'm')).filter((f) => f.startsWith('v-'))).toHaveLength(1);
    expect(leftovers(d)).toEqual([]);
  });
});
