import { cp, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeInteractions } from '../index.js';
import { loadCsv, loadLibffm, loadLibsvm, loadMovieLens, loadSideFeatures, readLines } from '../node.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

// The handmade fixtures are committed as `<name>.fixture` (no file in the repo carries a MovieLens
// file name); the loaders detect layouts by name, so the tests read a temporary copy with the suffix dropped.
let fixtures = '';
beforeAll(async () => {
  fixtures = await mkdtemp(join(tmpdir(), 'fm-fixtures-'));
  dirs.push(fixtures);
  await cp(fileURLToPath(new URL('../../fixtures/', import.meta.url)), fixtures, { recursive: true });
  for (const e of await readdir(fixtures, { recursive: true })) {
    if (e.endsWith('.fixture')) await rename(join(fixtures, e), join(fixtures, e.slice(0, -'.fixture'.length)));
  }
});
const fx = (p: string) => join(fixtures, p);

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const l of it) out.push(l);
  return out;
}

describe('readLines', () => {
  it('streams lines, handles \\r\\n and latin1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fm-lines-'));
    dirs.push(dir);
    await writeFile(join(dir, 'a.txt'), 'one\r\ntwo\n\nthree\n');
    expect(await collect(readLines(join(dir, 'a.txt')))).toEqual(['one', 'two', '', 'three']);
    const item = await collect(readLines(fx('ml-100k/u.item'), 'latin1'));
    expect(item[2]?.startsWith('30|Caf\u00e9 Gamma|')).toBe(true);
  });

  it('rejects a missing file naming it', async () => {
    await expect(collect(readLines(fx('nope.txt')))).rejects.toThrow('nope.txt');
  });
});

describe('loadMovieLens', () => {
  it('detects ML-100K from a folder and reads u.item (latin1) and u.user', async () => {
    const ml = await loadMovieLens(fx('ml-100k'));
    expect(ml.format).toBe('u.data');
    expect(ml.interactions.length).toBe(8);
    expect(Array.from(ml.interactions.rating)).toEqual([5, 3, 4, 2, 1, 4.5, 2, 3]);
    expect(ml.items?.size).toBe(4);
    expect(ml.items?.get(30)).toEqual({ id: 30, title: 'Caf\u00e9 Gamma', genres: ['Drama'], year: 1997 });
    expect(ml.items?.get(40)).toEqual({ id: 40, title: 'unknown', genres: ['unknown'] });
    expect(ml.users?.get(3)).toEqual({ id: 3, age: 17, gender: 'M', occupation: 'student', zip: '32067' });
    const { dataset } = encodeInteractions(ml.interactions, {
      items: ml.items,
      users: ml.users,
      features: ['genres', 'age', 'gender', 'occupation'],
    });
    expect(dataset.numRows).toBe(8);
  });

  it('reads the ua.base / ua.test split files with the same items', async () => {
    const base = await loadMovieLens(fx('ml-100k/ua.base'));
    const test = await loadMovieLens(fx('ml-100k/ua.test'), { users: false });
    expect(base.interactions.length + test.interactions.length).toBe(8);
    expect(Array.from(test.interactions.item)).toEqual([30, 40]);
    expect(base.items?.size).toBe(4);
    expect(test.users).toBeUndefined();
  });

  it('detects ML-1M (.dat) and ratings.csv folders', async () => {
    const m1 = await loadMovieLens(fx('ml-1m'));
    expect(m1.format).toBe('ratings.dat');
    expect(m1.interactions.length).toBe(5);
    expect(m1.items?.get(30)?.title).toBe('Caf\u00e9 Gamma (1997)');
    expect(m1.users?.get(2)).toEqual({ id: 2, age: 56, gender: 'M', occupation: 'self-employed', zip: '70072' });
    const csv = await loadMovieLens(fx('ml-latest/ratings.csv'));
    expect(csv.format).toBe('ratings.csv');
    expect(Array.from(csv.interactions.rating)).toEqual([4, 4.5, 2.5, 0.5]);
    expect(csv.items?.get(20)).toEqual({ id: 20, title: 'Beta, The Eye (1995)', genres: ['Action', 'Thriller'], year: 1995 });
    expect(csv.items?.get(30)).toEqual({ id: 30, title: 'Gamma "Caf\u00e9" Night (2001) ', genres: [], year: 2001 });
    expect(csv.users).toBeUndefined();
  });

  it('names the file and line of a bad line, or counts it in skip mode', async () => {
    const path = fx('bad/u.data');
    await expect(loadMovieLens(path)).rejects.toThrow(`${path}:2: expected a finite numeric rating, got "five"`);
    const r = await loadMovieLens(path, { skipBadLines: true });
    expect(r.skipped).toBe(2);
    expect(r.errors[1]).toBe(`${path}:3: expected 4 tab-separated fields (user, item, rating, timestamp) but found 3, got "2\t10\t4"`);
    expect(r.interactions.length).toBe(2);
  });

  it('explains unknown paths', async () => {
    await expect(loadMovieLens(fx('csv'))).rejects.toThrow('expected a MovieLens folder holding u.data, ratings.dat or ratings.csv');
    await expect(loadMovieLens(fx('csv/tiny.csv'))).rejects.toThrow('expected MovieLens ratings (user<TAB>item<TAB>rating<TAB>timestamp');
    await expect(loadMovieLens(fx('missing'))).rejects.toThrow('no such file or folder');
  });
});

describe('loadLibsvm / loadLibffm / loadCsv', () => {
  it('read the fixtures', async () => {
    const svm = await loadLibsvm(fx('libsvm/tiny.libsvm'));
    expect(svm.dataset.numRows).toBe(3);
    expect(Array.from(svm.dataset.ids)).toEqual([1, 3, 2, 1, 2, 4]);
    const tr = await loadLibffm(fx('libffm/train.ffm'));
    const te = await loadLibffm(fx('libffm/test.ffm'), { encoder: tr.encoder });
    expect(te.dataset.schema.equals(tr.dataset.schema)).toBe(true);
    expect(Array.from(te.dataset.ids)).toEqual([1, 3, 0, 7]);
    const csv = await loadCsv(fx('csv/tiny.csv'), 'label=rating,user:cat,item:cat,age:num,genres:multi|,ts:num');
    expect(Array.from(csv.labels)).toEqual([5, 3, 4]);
    expect(Array.from(csv.frame.columns.ts as Float64Array)).toEqual([100, 101, 102]);
    await expect(loadCsv(fx('csv/tiny.csv'), 'label=rating,user:cat')).rejects.toThrow(
      `${fx('csv/tiny.csv')}:1: expected only columns named in the spec (add "item:skip" to ignore "item")`,
    );
  });
});

describe('real files as found in the wild', () => {
  const dir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'fm-wild-'));
    dirs.push(d);
    return d;
  };

  it('a UTF-8 byte order mark is dropped (latin1 and UTF-8 reads)', async () => {
    const d = await dir();
    await writeFile(join(d, 'u.data'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('196\t242\t3\t881250949\r\n186\t302\t3\t891717742\r\n')]));
    const r = await loadMovieLens(join(d, 'u.data'));
    expect(Array.from(r.interactions.user)).toEqual([196, 186]);
    expect((await collect(readLines(join(d, 'u.data'))))[0]).toBe('196\t242\t3\t881250949');
  });

  it('a ratings file of any name loads, its layout told by `layout` or from its content', async () => {
    const d = await dir();
    await writeFile(join(d, 'train.tsv'), '1\t10\t4\t100\n2\t11\t3\t101\n');
    await writeFile(join(d, 'x.txt'), '1::10::4::100\n');
    expect((await loadMovieLens(join(d, 'train.tsv'))).format).toBe('u.data');
    expect((await loadMovieLens(join(d, 'x.txt'))).format).toBe('ratings.dat');
    await expect(loadMovieLens(join(d, 'x.txt'), { layout: 'u.data' })).rejects.toThrow(`${join(d, 'x.txt')}:1: expected 4 tab-separated fields`);
  });

  it('read errors name the path: a directory, a missing file', async () => {
    const d = await dir();
    await expect(loadLibsvm(d)).rejects.toThrow(`${d}: is a directory, expected a file`);
    await expect(loadCsv(join(d, 'none.csv'), 'label=y')).rejects.toThrow(`${join(d, 'none.csv')}: no such file`);
  });

  it('an aborted signal stops reading', async () => {
    const d = await dir();
    await writeFile(join(d, 'big.libfm'), '1 1:1 2:1\n'.repeat(300_000));
    const c = new AbortController();
    c.abort(new Error('stop here'));
    await expect(loadLibsvm(join(d, 'big.libfm'), { signal: c.signal })).rejects.toThrow('stop here');
  });
});

describe('loadSideFeatures', () => {
  it('reads a CSV with a BOM and CRLF line ends, naming the file in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fm-side-'));
    dirs.push(dir);
    const path = join(dir, 'users.csv');
    await writeFile(path, '\uFEFFuser,age,job\r\n1,24,writer\r\n2,31,artist\r\n');
    const { features } = await loadSideFeatures(path, 'key=user,age:num,job:cat');
    expect(features.ids).toEqual(['1', '2']);
    expect(features.frame.columns.job).toEqual(['writer', 'artist']);
    await writeFile(path, 'user,age\n1,24\n2,old\n');
    await expect(loadSideFeatures(path, 'key=user,age:num')).rejects.toThrow(`${path}:3: expected a number in column "age", got "old"`);
  });
});
